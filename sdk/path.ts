/** Path parameters go through this one helper so no value can change the path's shape. */
export function encodePathSegment(value: string): string {
  return encodeURIComponent(value);
}
