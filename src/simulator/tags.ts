import { AwsError } from './errors.js';
import type { QueryParams } from './protocol/query.js';

export const MAX_TAGS_PER_RESOURCE = 50;

/** Reads `Tag.N.Key` / `Tag.N.Value` structures and applies EC2's tag rules. */
export function parseTags(tagStructs: QueryParams[]): Map<string, string> {
  const tags = new Map<string, string>();
  for (const t of tagStructs) {
    const key = t.get('Key');
    const value = t.get('Value') ?? '';
    if (key === undefined || key.length === 0 || key.length > 128) {
      throw new AwsError('InvalidParameterValue', `Tag key must be 1 to 128 characters long: '${key ?? ''}'`);
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw new AwsError(
        'InvalidParameterValue',
        "Tag keys starting with 'aws:' are reserved for internal use",
      );
    }
    if (value.length > 256) {
      throw new AwsError(
        'InvalidParameterValue',
        `Tag value must be at most 256 characters long (key '${key}')`,
      );
    }
    if (tags.has(key)) throw new AwsError('InvalidParameterValue', `Duplicate tag key '${key}' specified.`);
    tags.set(key, value);
  }
  return tags;
}

/** `TagSpecification.N.ResourceType` + `.Tag.M.*`; CopySnapshot only tags the new snapshot. */
export function parseSnapshotTagSpecifications(p: QueryParams): Map<string, string> {
  return parseTagSpecifications(p, 'snapshot');
}

/** The tags for the one resource type an action creates (`snapshot`, `volume`). */
export function parseTagSpecifications(p: QueryParams, resourceType: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const spec of p.structs('TagSpecification')) {
    const type = spec.get('ResourceType');
    if (type !== resourceType) {
      throw new AwsError(
        'InvalidParameterValue',
        `'${type ?? ''}' is not a valid taggable resource type for this operation.`,
      );
    }
    for (const [k, v] of parseTags(spec.structs('Tag'))) tags.set(k, v);
  }
  if (tags.size > MAX_TAGS_PER_RESOURCE) {
    throw new AwsError(
      'TagLimitExceeded',
      `The maximum number of tags per resource is ${MAX_TAGS_PER_RESOURCE}`,
    );
  }
  return tags;
}
