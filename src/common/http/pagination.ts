import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { LessThan, type FindOptionsWhere, type ObjectLiteral } from 'typeorm';

/** `?limit=`: 1..100, default 20 (docs/api.md "Lists"), validated and documented once. */
export function PageLimit(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20, description: 'Page size' }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(100),
  );
}

/** docs/api.md lists: `?limit=` 1..100 (default 20) and `starting_after` (an object id). */
export class ListQueryDto {
  @PageLimit()
  limit?: number;

  @ApiPropertyOptional({ description: 'Cursor: the id of the last object of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z]+_[0-9a-z]{26}$/, { message: 'starting_after must be an object id' })
  starting_after?: string;
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
}

/**
 * Ids sort by creation time (see ids.util), so "newest first, after cursor"
 * is `id < cursor ORDER BY id DESC`. Repositories fetch `limit + 1` rows and
 * this turns them into a page.
 */
export function cursorWhere<T extends ObjectLiteral>(
  query: ListQueryDto,
  where: FindOptionsWhere<T>,
): FindOptionsWhere<T> {
  return query.starting_after ? ({ ...where, id: LessThan(query.starting_after) } as FindOptionsWhere<T>) : where;
}

export const pageSize = (query: ListQueryDto): number => query.limit ?? 20;

export function toPage<E, R>(rows: E[], query: ListQueryDto, map: (row: E) => R): Page<R> {
  const limit = pageSize(query);
  return { data: rows.slice(0, limit).map(map), has_more: rows.length > limit };
}
