import { DomainError, conflict, notFound, unprocessable } from '../../common/errors/domain-error';

/**
 * Ledger refusals. They are thrown inside the caller's transaction, so the
 * caller's state change rolls back with the entry that could not be posted.
 */
export const LedgerErrors = {
  entryInvalid: (message: string, param?: string) => unprocessable('ledger_entry_invalid', message, param),
  amountInvalid: (message: string, param?: string) => unprocessable('ledger_amount_invalid', message, param),
  accountInvalid: (message: string, param?: string) => unprocessable('ledger_account_invalid', message, param),
  unbalanced: (currency: string, debits: bigint, credits: bigint) =>
    new DomainError({
      code: 'ledger_entry_unbalanced',
      message: `Debits (${debits}) and credits (${credits}) in ${currency} differ; every entry must balance per currency`,
      details: { currency },
    }),
  insufficientFunds: (accounts: string[]) =>
    new DomainError({
      code: 'insufficient_funds',
      message: `The entry would take a non-negative account below zero (${accounts.join(', ') || 'unknown account'})`,
      details: { accounts },
    }),
  externalIdReused: (externalId: string, entryId: string) =>
    conflict(
      'ledger_external_id_reused',
      `External id '${externalId}' was already posted as ${entryId} for a different amount or event`,
      { entry_id: entryId },
    ),
  alreadyReversed: (entryId: string) =>
    conflict('ledger_entry_already_reversed', `Journal entry ${entryId} has already been reversed`, {
      entry_id: entryId,
    }),
  notReversible: (entryId: string, why: string) =>
    conflict('ledger_entry_not_reversible', `Journal entry ${entryId} cannot be reversed: ${why}`, {
      entry_id: entryId,
    }),
  amountOverflow: () => unprocessable('ledger_amount_overflow', 'The entry would overflow a 64-bit balance'),
  entryNotFound: (id: string) => notFound('journal entry', id),
  accountNotFound: (id: string) => notFound('ledger account', id),
};
