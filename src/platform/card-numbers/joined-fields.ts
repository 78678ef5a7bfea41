/**
 * T2: fields the store writes next to each other. The guard screens every field on its own, but a card
 * number split over two fields ("4242 4242" in line 1, "4242 4242" in line 2) is stored in two harmless
 * halves and then written whole into the confirmation mail, the order page and the packing slip. So the
 * guard also screens each group below joined exactly as the store joins it. test/joined-fields.test.ts
 * renders addresses and shop details with the real views and mail builders and checks that every card
 * number they can write is refused by these groups.
 *
 * A group is a list of field names and the text the store puts between each pair; an empty field is left
 * out together with the text before it, as the views do (`line2 ? ` ${line2}` : ''`).
 */
export interface JoinGroup {
  /** Where the store writes it (for the docs and the test). */
  where: string;
  fields: readonly string[];
  /** separators[i] goes between fields[i] and fields[i + 1]. */
  separators: readonly string[];
}

export const joinedFieldGroups: readonly JoinGroup[] = [
  {
    where: 'orders/views/order-parts.ts addressLines (confirmation and shipping mails, order page, packing slip, admin order): street line, then the name line',
    fields: ['prefecture', 'city', 'line1', 'line2', 'name'],
    separators: ['', '', ' ', '\n'],
  },
  {
    where: 'identity/customers/store-address-views.ts addressLines, checkout/views/review-page.ts: line 2 on a line of its own',
    fields: ['prefecture', 'city', 'line1', 'line2'],
    separators: ['', '', '\n'],
  },
  {
    where: 'orders/views/admin-views.ts packingSlipPage: the seller, the shop address and the phone number, one per line',
    fields: ['seller', 'address', 'phone'],
    separators: ['\n', '\n'],
  },
];

/** Field names that take part in any group (a quick test before joining). */
export const joinedFieldNames: ReadonlySet<string> = new Set(joinedFieldGroups.flatMap((g) => g.fields));

/**
 * The text the store writes for `group` from these values, and where each field landed in it
 * ([start, end) UTF-16 offsets; absent for fields left out). Null when fewer than two fields have text.
 */
export function joinFields(group: JoinGroup, values: Readonly<Record<string, string | undefined>>): { text: string; at: Map<string, [number, number]> } | null {
  let text = '';
  const at = new Map<string, [number, number]>();
  group.fields.forEach((field, i) => {
    const v = values[field];
    if (!v) return;
    if (at.size) text += group.separators[i - 1] ?? '';
    at.set(field, [text.length, text.length + v.length]);
    text += v;
  });
  return at.size >= 2 ? { text, at } : null;
}
