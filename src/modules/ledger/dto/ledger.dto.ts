import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ListQueryDto, PageLimit } from '../../../common/http/pagination';
import { ACCOUNT_CODES, type AccountCode } from '../chart-of-accounts';

const AMOUNT_DOC =
  'Integer in minor units. A JSON number while it is within ±(2^53−1); beyond that, a decimal string so no digit is lost.';
const amount = (description = AMOUNT_DOC) =>
  ApiProperty({ oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?\\d+$' }], description, example: 9940 });

export class ListAccountsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: "Only this merchant's accounts" })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  merchant_id?: string;

  @ApiPropertyOptional({ enum: ACCOUNT_CODES })
  @IsOptional()
  @IsIn(ACCOUNT_CODES)
  code?: AccountCode;

  @ApiPropertyOptional({ example: 'CNY' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code in upper case' })
  currency?: string;
}

export class AccountResponseDto {
  @ApiProperty({ example: 'acct_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'ledger_account' }) object: 'ledger_account';
  @ApiProperty({ enum: ACCOUNT_CODES }) code: string;
  @ApiProperty({ enum: ['asset', 'liability', 'revenue', 'expense'] }) type: string;
  @ApiProperty({ enum: ['debit', 'credit'], description: 'The side that increases the balance' })
  normal_balance: string;
  @ApiProperty({ example: 'CNY' }) currency: string;
  @ApiPropertyOptional({ nullable: true, type: String }) merchant_id: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'alipay' }) subkey: string | null;
  @ApiProperty({
    example: 0,
    description:
      'Which row of the account this is: 0 for most accounts; the hot platform accounts (provider_clearing, platform_fee_revenue) are spread over several rows so that payments do not queue on one row lock, and their balance is the sum over every shard',
  })
  shard: number;
  @ApiProperty({ description: 'The database refuses any posting that would take the balance below zero' })
  non_negative: boolean;
  @amount('Balance in the normal direction. ' + AMOUNT_DOC) balance: number | string;
  @amount() debits_posted: number | string;
  @amount() credits_posted: number | string;
  @ApiProperty() posting_count: number;
  @ApiProperty() created_at: string;
}

export class AccountPageDto {
  @ApiProperty({ type: [AccountResponseDto] }) data: AccountResponseDto[];
  @ApiProperty() has_more: boolean;
}

export class StatementQueryDto {
  @PageLimit()
  limit?: number;

  @ApiPropertyOptional({
    description: 'Cursor: the `seq` of the last line of the previous page (lines are newest first)',
  })
  @IsOptional()
  @Matches(/^[1-9]\d{0,17}$/, { message: 'starting_after must be a line seq' })
  starting_after?: string;

  @ApiPropertyOptional({ description: 'Only postings at or after this time (ISO 8601)' })
  @IsOptional()
  @IsDateString()
  from?: string;

  @ApiPropertyOptional({ description: 'Only postings before this time (ISO 8601)' })
  @IsOptional()
  @IsDateString()
  to?: string;
}

export class StatementLineDto {
  @ApiProperty({ description: "The posting's place in this account's history: 1, 2, 3…" }) seq: number;
  @ApiProperty() posting_id: string;
  @ApiProperty({ example: 'je_01jb8y3k2m9x7q4w5e6r7t8y9u' }) entry_id: string;
  @ApiProperty({ example: 'payment.captured' }) entry_type: string;
  @ApiProperty({ example: 'payment' }) reference_type: string;
  @ApiProperty() reference_id: string;
  @ApiPropertyOptional({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ enum: ['debit', 'credit'] }) direction: string;
  @amount() amount: number | string;
  @amount('Running balance right after this posting. ' + AMOUNT_DOC) balance_after: number | string;
  @ApiProperty() created_at: string;
}

export class StatementDto {
  @ApiProperty({ type: AccountResponseDto }) account: AccountResponseDto;
  @ApiProperty({ type: [StatementLineDto] }) data: StatementLineDto[];
  @ApiProperty() has_more: boolean;
}

export class EntriesQueryDto {
  @ApiProperty({ example: 'payment' })
  @IsString()
  @Length(1, 64)
  reference_type: string;

  @ApiProperty({ example: 'pay_01jb8y3k2m9x7q4w5e6r7t8y9u' })
  @IsString()
  @Length(1, 255)
  reference_id: string;
}

export class PostingDto {
  @ApiProperty() id: string;
  @ApiProperty() account_id: string;
  @ApiProperty({ enum: ACCOUNT_CODES }) account_code: string;
  @ApiProperty() currency: string;
  @ApiPropertyOptional({ nullable: true, type: String }) merchant_id: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) subkey: string | null;
  @ApiProperty({ enum: ['debit', 'credit'] }) direction: string;
  @amount() amount: number | string;
  @amount() balance_after: number | string;
  @ApiProperty() account_seq: number;
}

export class EntryResponseDto {
  @ApiProperty({ example: 'je_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'journal_entry' }) object: 'journal_entry';
  @ApiProperty() external_id: string;
  @ApiProperty({ example: 'payment.captured' }) type: string;
  @ApiProperty() reference_type: string;
  @ApiProperty() reference_id: string;
  @ApiPropertyOptional({ nullable: true, type: String }) merchant_id: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) description: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The entry this one reverses' }) reverses_entry_id:
    string | null;
  @ApiProperty({ type: [PostingDto] }) postings: PostingDto[];
  @ApiProperty({
    description: 'Business time of the event (e.g. when the payment succeeded); settlement days are cut on it',
  })
  occurred_at: string;
  @ApiProperty() created_at: string;
}

export class EntryListDto {
  @ApiProperty({ type: [EntryResponseDto] }) data: EntryResponseDto[];
}

export class ReverseEntryDto {
  @ApiProperty({
    example: 'Posted against the wrong merchant',
    description: 'Why; kept on the reversal entry and in the audit log',
  })
  @IsString()
  @Length(1, 1000)
  reason: string;
}

export class TrialBalanceAccountDto {
  @ApiProperty({ enum: ACCOUNT_CODES }) code: string;
  @ApiProperty() type: string;
  @amount('Σ balances of the accounts with this code, in their normal direction. ' + AMOUNT_DOC) balance:
    number | string;
  @amount() debits: number | string;
  @amount() credits: number | string;
}

export class TrialBalanceCurrencyDto {
  @ApiProperty({ example: 'CNY' }) currency: string;
  @amount() debits: number | string;
  @amount() credits: number | string;
  @amount('debits − credits: 0 in a sound ledger') net: number | string;
  @ApiProperty() balanced: boolean;
  @ApiProperty({ type: [TrialBalanceAccountDto] }) accounts: TrialBalanceAccountDto[];
}

export class TrialBalanceDto {
  @ApiProperty({ description: 'True when every currency nets to zero' }) balanced: boolean;
  @ApiProperty({ type: [TrialBalanceCurrencyDto] }) currencies: TrialBalanceCurrencyDto[];
}
