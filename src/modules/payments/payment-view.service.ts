import { Injectable } from '@nestjs/common';
import type { PaymentResponseDto } from './dto/payment-response.dto';
import type { Payment } from './entities/payment.entity';
import { toPaymentResponse } from './payments.mapper';
import { PaymentsRepository } from './payments.repository';
import { RefundsRepository } from './refunds/refunds.repository';

/** Renders a payment with the expansions a caller asked for (`refunds`, `timeline`). */
@Injectable()
export class PaymentViewService {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly refunds: RefundsRepository,
  ) {}

  async render(p: Payment, expand?: string): Promise<PaymentResponseDto> {
    const parts = new Set((expand ?? '').split(',').filter(Boolean));
    return toPaymentResponse(p, {
      refunds: parts.has('refunds') ? await this.refunds.forPayment(p.id) : undefined,
      timeline: parts.has('timeline') ? await this.payments.timeline(p.id) : undefined,
    });
  }

  renderPlain(p: Payment): PaymentResponseDto {
    return toPaymentResponse(p);
  }
}
