// A multi-document YAML stream split into documents that can be edited and
// written back. Each document keeps the exact slice of text it came from:
// an unchanged document is written back byte for byte, and only an edited one
// is re-rendered by the YAML library (which keeps its comments). That is what
// makes `inject` idempotent to the byte and lets unknown kinds pass untouched.

import { parseAllDocuments, type Document, type ToStringOptions } from 'yaml';
import { ManifestError } from './errors';

/** kubectl reads manifests as YAML 1.1 (0644 is octal, yes is true); so do we. */
export const MANIFEST_YAML_VERSION = '1.1' as const;

export interface ManifestDocument {
  /** 1-based position in the stream, for messages. */
  readonly index: number;
  /** First line of the document's text, 1-based. */
  readonly line: number;
  readonly doc: Document.Parsed;
  /** The document's text as read, separators and comments around it included. */
  readonly text: string;
  /** Set by whoever edits `doc`; only changed documents are re-rendered. */
  changed: boolean;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Throws ManifestError naming the line of the first YAML error. */
export function parseManifests(text: string, source: string): ManifestDocument[] {
  const docs = parseAllDocuments(text, { version: MANIFEST_YAML_VERSION, prettyErrors: true });
  const out: ManifestDocument[] = [];
  let start = 0;
  docs.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      // The library appends " at line L, column C:" and a code frame; the
      // position goes in front, compiler style, and the frame is dropped.
      const message = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new ManifestError(source, pos ? { line: pos.line, col: pos.col } : undefined, `invalid YAML: ${message}`);
    }
    const end = i === docs.length - 1 ? text.length : doc.range[2];
    out.push({ index: i + 1, line: lineOf(text, doc.range[0]), doc, text: text.slice(start, end), changed: false });
    start = end;
  });
  return out;
}

/**
 * Whether block sequences are indented under their key in this text
 * ("containers:\n  - name" vs "containers:\n- name"), so that re-rendered
 * documents keep the style they were written in; undefined if it has none.
 */
export function detectIndentSeq(text: string): boolean | undefined {
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const key = /^(\s*)[^\s#-][^#]*:\s*(#.*)?$/.exec(lines[i]!);
    if (!key) continue;
    const item = /^(\s*)- /.exec(lines[i + 1]!);
    if (item) return item[1]!.length > key[1]!.length;
  }
  return undefined;
}

/** `streamIndentSeq`: the style of the whole stream, for documents without lists. */
export function renderDocument(d: ManifestDocument, streamIndentSeq = true): string {
  const options: ToStringOptions = {
    indentSeq: detectIndentSeq(d.text) ?? streamIndentSeq,
    // Never fold long strings (commands, scripts) that were on one line.
    lineWidth: 0,
    flowCollectionPadding: false,
  };
  return d.doc.toString(options);
}

/** The stream with edited documents re-rendered and the others as read. */
export function renderManifests(docs: readonly ManifestDocument[]): string {
  const streamIndentSeq = detectIndentSeq(docs.map((d) => d.text).join('')) ?? true;
  return docs.map((d) => (d.changed ? renderDocument(d, streamIndentSeq) : d.text)).join('');
}

/** The documents as plain objects, the way kubectl would read them. */
export function toObjects(docs: readonly ManifestDocument[]): unknown[] {
  return docs.map((d) => d.doc.toJS({ maxAliasCount: 1000 }) as unknown);
}
