import { isValidEan } from './card-numbers.ts';

/**
 * T2: formats a route may declare for specific fields so that a value of that exact format is not
 * mistaken for a card number. Only the whole value is exempt, and only when it is valid in that format;
 * anything else in the field is screened as usual.
 */
export const exemptFormats = {
  /** A JAN (EAN-8/EAN-13) code with a correct check digit; full-width digits, spaces and hyphens tolerated. */
  jan: (value: string) => isValidEan(value.normalize('NFKC').replace(/[-\s]/g, '')),
} as const;

export type ExemptFormat = keyof typeof exemptFormats;

/**
 * Per-route exemptions: field path → format. A path names a body field (`jan_code`), a nested JSON field
 * (`variant.jan_code`, `items.*.jan_code`), a query parameter (`query.q`) or a path parameter (`params.code`).
 */
export type CardGuardConfig = Record<string, ExemptFormat>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** T2: fields exempt from card-number screening when they hold a valid value of the named format. */
    cardGuard?: CardGuardConfig;
    /**
     * T2: an HTML form route that shows its form again when the guard refuses a field: called instead of
     * the bare error page, with the body already cleared of the refused fields and a message per field.
     * The route's own handler still never runs. Returning `false` falls back to the refusal page.
     */
    cardGuardForm?: (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply, errors: Record<string, string>) => unknown;
  }
}
