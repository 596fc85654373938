/**
 * Runs `work` over `items`, at most `size` at a time. For KV round trips:
 * many in flight overlap on one NATS connection, without a flood of them.
 */
export async function inPool<T>(items: readonly T[], work: (item: T) => Promise<void>, size: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
