/**
 * Runs a Standard Schema v1 validator (zod, valibot, arktype, ...), which may answer
 * synchronously or with a promise. Declared structurally so core depends on nothing.
 */

/** The part of a Standard Schema this helper calls. */
export interface ValidatingSchema {
  readonly '~standard': {
    readonly validate: (value: unknown) => ValidationOutcome | Promise<ValidationOutcome>
  }
}

/** What a Standard Schema validator answers. */
export type ValidationOutcome =
  | { readonly value: unknown; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string }> }

/**
 * Validates `value` against `schema`: the (possibly transformed) value, or the issues.
 * A validator that throws is reported as one issue carrying its message.
 */
export async function validateStandard(schema: ValidatingSchema, value: unknown): Promise<ValidationOutcome> {
  try {
    return await schema['~standard'].validate(value)
  } catch (error) {
    return { issues: [{ message: `the schema threw: ${error instanceof Error ? error.message : String(error)}` }] }
  }
}

/** The issues as one line for an error message. */
export function describeIssues(issues: ReadonlyArray<{ readonly message: string }>): string {
  return issues.map((issue) => issue.message).join('; ')
}
