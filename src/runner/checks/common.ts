// Argument pieces shared by several check kinds.
import Type from 'typebox';
import { Name } from '../kinds.ts';

export const ReceiptType = Type.String({ minLength: 1, description: 'The receipt type key; m.read when omitted.' });

export const TsWant = Type.Union(
  [
    Type.Literal('server', { description: 'An integer within 10 minutes of the suite clock.' }),
    Type.Integer(),
    Type.Object({ not: Type.Integer() }, { additionalProperties: false, description: 'An integer other than this one (the value a client sent).' }),
  ],
  { description: 'What ts must be.' },
);

/** The receipts a window must carry, exactly (only_receipts, only_sliding_receipts). */
export const ListedReceipts = Type.Array(
  Type.Object({ user: Name.actor(), event: Name.event(), type: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false }),
  { minItems: 1 },
);
