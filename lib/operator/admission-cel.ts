/** Pieces of CEL the admission policies share. */

/** A CEL string literal holding `text`. */
export function celString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * A CEL expression for the space-separated list a tenant namespace's annotation holds, or [].
 */
export function namespaceList(annotation: string): string {
  const key = celString(annotation);
  return `has(namespaceObject.metadata.annotations) && ${key} in namespaceObject.metadata.annotations ? namespaceObject.metadata.annotations[${key}].split(' ').filter(x, x != '') : []`;
}

