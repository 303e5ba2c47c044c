/** Ends a switch over a union: adding a member without its case is a type error here, and a loud one at run time. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
