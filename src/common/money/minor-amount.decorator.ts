import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { invalidRequest } from '../errors/domain-error';

/** 10^15 − 1 minor units: far above any real payment, and safely inside 2^53 so JSON numbers stay exact. */
export const MAX_MINOR_AMOUNT = 999_999_999_999_999;

/** An amount in the currency's minor unit: a positive integer, validated and documented once. */
export function MinorAmount(
  opts: { optional?: boolean; description?: string; example?: number } = {},
): PropertyDecorator {
  const doc = {
    type: 'integer',
    minimum: 1,
    maximum: MAX_MINOR_AMOUNT,
    example: opts.example ?? 10000,
    description:
      opts.description ?? 'Integer amount in the minor unit of `currency` (CNY fen, JPY yen); 100 CNY = 10000',
  } as const;
  return applyDecorators(
    ...(opts.optional ? [IsOptional(), ApiPropertyOptional(doc)] : [ApiProperty(doc)]),
    IsInt({ message: 'amount must be a positive integer in the minor unit of the currency' }),
    Min(1, { message: 'amount must be a positive integer in the minor unit of the currency' }),
    Max(MAX_MINOR_AMOUNT, { message: `amount must be at most ${MAX_MINOR_AMOUNT}` }),
  );
}

/**
 * JSON.parse turns `1e3` into 1000 and `1.0` into 1, and rounds numbers past
 * 2^53: the parsed value cannot tell. So the literal as sent is checked too:
 * every `"amount": …` in the raw body must be plain digits (RELIABILITY B2).
 */
export function assertPlainAmountLiterals(rawBody: Buffer | undefined, fields: readonly string[] = ['amount']): void {
  if (!rawBody || rawBody.length === 0) return;
  const text = rawBody.toString('utf8');
  for (const field of fields) {
    const re = new RegExp(`"${field}"\\s*:\\s*(-?[0-9][0-9.eE+-]*)`, 'g');
    for (const m of text.matchAll(re)) {
      if (!/^[1-9][0-9]{0,14}$/.test(m[1])) {
        throw invalidRequest(
          'amount_invalid',
          `${field} must be a positive integer in the minor unit of the currency, written as plain digits (got ${m[1].slice(0, 32)})`,
          field,
        );
      }
    }
  }
}
