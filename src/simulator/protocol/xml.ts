/**
 * Minimal XML writer for the shapes EC2 and STS answer with. EC2 wraps list members in `<item>`
 * (e.g. `<snapshotSet><item>…</item></snapshotSet>`), which is what arrays render to here.
 */
export type XmlValue = string | number | boolean | null | undefined | XmlObject | XmlValue[];
export interface XmlObject {
  [element: string]: XmlValue;
}

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function renderValue(value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => `<item>${renderValue(v)}</item>`).join('');
  if (typeof value === 'object') return renderObject(value);
  return escapeXml(String(value));
}

/** Renders each defined property as an element; `undefined` properties are omitted. */
export function renderObject(obj: XmlObject): string {
  let out = '';
  for (const [name, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    out += `<${name}>${renderValue(value)}</${name}>`;
  }
  return out;
}

export function ec2Response(action: string, requestId: string, body: XmlObject): string {
  return (
    `${DECLARATION}<${action}Response xmlns="${EC2_XMLNS}">` +
    `<requestId>${requestId}</requestId>${renderObject(body)}</${action}Response>`
  );
}

/** EC2's error envelope (note `RequestID`, unlike the other Query services). */
export function ec2Error(code: string, message: string, requestId: string): string {
  return (
    `${DECLARATION}<Response><Errors><Error><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
  );
}

export function stsResponse(action: string, requestId: string, result: XmlObject): string {
  return (
    `<${action}Response xmlns="${STS_XMLNS}"><${action}Result>${renderObject(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function stsError(code: string, message: string, requestId: string, status: number): string {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${STS_XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/** EC2 timestamps: ISO 8601 with milliseconds, UTC. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
