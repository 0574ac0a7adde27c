/**
 * A placeholder for your own driver's factory, so that examples/drivers/my-driver.conformance.ts
 * (the "Writing your own driver" snippet of docs/drivers.md) compiles. Yours returns a `Driver`.
 */
export function myDriver(options: { url: string | undefined }): never {
  throw new Error(`myDriver({ url: ${options.url} }) is a placeholder: put your driver here`)
}
