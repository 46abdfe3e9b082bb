/**
 * The token ids this process has listed or minted. A POST sent after they are known cannot have
 * made them, nor any id at or below the greatest of them (Utho's ids only grow): that is how a
 * create tells its new token from the ones that were there before (`mint.ts`).
 */

/** The ids known at one moment: true for those, and for any id at or below the greatest of them. */
export type KnownIds = { predates(id: string): boolean };

export class SeenIds {
  /** Each id, numbered in the order it became known: a snapshot is a count. */
  private readonly order = new Map<string, number>();
  private greatest = Number.NEGATIVE_INFINITY;

  add(id: string): void {
    if (this.order.has(id)) return;
    this.order.set(id, this.order.size);
    if (Number(id) > this.greatest) this.greatest = Number(id);
  }

  /** The ids known now; ids added later do not count for it. */
  snapshot(): KnownIds {
    const count = this.order.size;
    const greatest = this.greatest;
    // A non-numeric id (never seen from Utho) compares false, leaving only the known set.
    return { predates: (id) => (this.order.get(id) ?? count) < count || Number(id) <= greatest };
  }
}
