import { OmitType } from '@nestjs/swagger';
import { CreateRefundDto } from './refund.dto';

/** An operator's refund names the payment in the path. */
export class AdminRefundDto extends OmitType(CreateRefundDto, ['payment_id'] as const) {}
