import { deriveBsuid, regionOf, regionOfBsuid } from './identity.js';

/**
 * The WhatsApp users the sandbox knows, with both identity keys Meta uses since 2026 (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids):
 * the phone-number `wa_id` (absent for a username user reached only by BSUID) and the business-scoped user id.
 * A phone number the sandbox meets first gets a derived, stable BSUID; a customer who writes with an explicit
 * `userId` keeps that one. `key` is the internal identity windows and rate limits are keyed on.
 */
export interface Customer {
  readonly key: string;
  waId?: string;
  userId: string;
  profileName: string;
  marketingStopped: boolean;
}

export class CustomerDirectory {
  private readonly byWaId = new Map<string, Customer>();
  private readonly byUserId = new Map<string, Customer>();
  private nextKey = 1;

  constructor(
    private readonly businessAccountId: string,
    private readonly undeliverable: ReadonlySet<string>,
  ) {}

  /** The customer behind a phone number, created on first sight. */
  byPhone(waId: string): Customer {
    const known = this.byWaId.get(waId);
    if (known !== undefined) return known;
    const derived = deriveBsuid(this.businessAccountId, waId);
    const customer = this.byUserId.get(derived) ?? this.create({ userId: derived });
    customer.waId = waId;
    this.byWaId.set(waId, customer);
    return customer;
  }

  /** The customer behind a BSUID, created on first sight (phone unknown). */
  byBsuid(userId: string): Customer {
    return this.byUserId.get(userId) ?? this.create({ userId });
  }

  /**
   * The customer writing in: by phone and/or BSUID. A given BSUID replaces a derived one, so the two keys
   * name one customer from then on.
   */
  identify(input: { waId?: string; userId?: string; profileName?: string }): Customer {
    let customer: Customer;
    if (input.waId !== undefined && input.userId !== undefined) {
      const byUser = this.byUserId.get(input.userId);
      const byPhone = this.byWaId.get(input.waId);
      customer = byUser ?? byPhone ?? this.create({ userId: input.userId });
      if (customer.userId !== input.userId) {
        this.byUserId.delete(customer.userId);
        customer.userId = input.userId;
        this.byUserId.set(input.userId, customer);
      }
      customer.waId = input.waId;
      this.byWaId.set(input.waId, customer);
    } else if (input.waId !== undefined) {
      customer = this.byPhone(input.waId);
    } else if (input.userId !== undefined) {
      customer = this.byBsuid(input.userId);
    } else {
      throw new Error('a customer needs a wa_id or a user id');
    }
    if (input.profileName !== undefined) customer.profileName = input.profileName;
    return customer;
  }

  isUndeliverable(customer: Customer): boolean {
    return customer.waId !== undefined && this.undeliverable.has(customer.waId);
  }

  /** ISO region: from the phone number when known, else from the BSUID prefix. */
  region(customer: Customer): string {
    return customer.waId !== undefined ? regionOf(customer.waId) : regionOfBsuid(customer.userId);
  }

  private create(init: { userId: string }): Customer {
    const customer: Customer = { key: `c${this.nextKey++}`, userId: init.userId, profileName: 'Sandbox Customer', marketingStopped: false };
    this.byUserId.set(init.userId, customer);
    return customer;
  }
}
