import { conflict, invalidRequest, notFound } from '../../../common/errors/domain-error';

/** The split flows' stable error codes (docs/api.md "Splits"). */
export const SplitErrors = {
  splitNotFound: (id: string) => notFound('split', id),
  notSplittable: (id: string, why: string) =>
    conflict('payment_not_splittable', `Payment ${id} cannot be split: ${why}`, { payment_id: id }),
  released: (id: string) =>
    conflict(
      'splits_released',
      `Payment ${id} has released its unsplit remainder (or is releasing it): no more splits`,
      {
        payment_id: id,
      },
    ),
  tooLarge: (id: string, available: bigint) =>
    conflict('split_amount_exceeds_available', `The split exceeds what payment ${id} has left to split`, {
      payment_id: id,
      available: Number(available < 0n ? 0n : available),
    }),
  notReturnable: (id: string, why: string) =>
    conflict('split_not_returnable', `Split ${id} cannot be returned: ${why}`, { split_id: id }),
  returnTooLarge: (id: string) =>
    conflict('split_return_exceeds_available', `The return exceeds what the receiver got from split ${id}`, {
      split_id: id,
    }),
  receiverUnavailable: (message: string, details?: Record<string, unknown>) =>
    conflict('split_receiver_unavailable', message, details),
  badInput: (message: string, param: string) => invalidRequest('parameter_invalid', message, param),
};
