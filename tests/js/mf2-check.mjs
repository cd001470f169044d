// mf2-check.mjs - check a feed page or stub IndieChat published with the
// npm microformats-parser, an mf2 parser independent of ours and of mf2py
// (STANDARDS.md §8).
//
//     node tests/js/mf2-check.mjs FILE EXPECT.json
//
// The same checks as tests/tools/mf2py_check.py, which documents them:
// page: one top-level h-feed (MP-1) with name, url and the owner's h-card;
// its children are exactly the expected h-entry items, each with uid, url,
// published (MP-2), the owner's h-card as author, content {html, value}
// whose value is the original text up to whitespace (MP-4), no name (MP-3)
// and the recipient's h-card in category (MP-5); rel=self exactly once,
// hub, token_endpoint, indieauth-metadata (WS-P-2/3, MP-7, TE-8).
// stub: the same h-feed and rels, no entry, no content, none of the
// "private" strings (MP-6, WS-P-7).
//
// Exit 0 when all pass, 1 with one line per failure on stderr, 2 when the
// parser is missing (npm ci --prefix tests/js) or the arguments are wrong.
// Node 18 or later (Debian 12's nodejs).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// The parser comes from tests/js/node_modules, or from the node_modules
// directory IC_NODE_MODULES names (a `make distcheck` tree has none).
const from = process.env.IC_NODE_MODULES
  ? join(process.env.IC_NODE_MODULES, '..', 'mf2-check.mjs')
  : import.meta.url;
let mf2;
try {
  ({ mf2 } = createRequire(from)('microformats-parser'));
} catch (e) {
  process.stderr.write('mf2-check: microformats-parser is missing ' +
                       '(npm ci --prefix tests/js)\n');
  process.exit(2);
}

if (process.argv.length !== 4) {
  process.stderr.write('usage: node mf2-check.mjs FILE EXPECT.json\n');
  process.exit(2);
}
const [file, expectFile] = process.argv.slice(2);
const want = JSON.parse(readFileSync(expectFile, 'utf8'));
const raw = readFileSync(file, 'utf8');
const doc = mf2(raw, { baseUrl: want.base_url });
const failures = [];

function expect(cond, msg) {
  if (!cond) failures.push(msg);
  return cond;
}

// Parsers differ in how <p> and <br> become text: compare words.
const words = (s) => s.split(/\s+/).filter(Boolean).join(' ');
const first = (props, name) => (props[name] || [])[0];
// A u-* value is a string, or {value, alt} for an <img> with alt.
const urlOf = (v) => (v !== null && typeof v === 'object' ? v.value : v);
const show = (v) => JSON.stringify(v);

function card(where, value, wantUrl) {
  if (!expect(value && typeof value === 'object' &&
              (value.type || []).includes('h-card'),
              `${where} is not an h-card: ${show(value)}`)) return;
  const props = value.properties || {};
  expect(urlOf(first(props, 'url')) === wantUrl,
         `${where} url ${show(first(props, 'url'))}, want ${wantUrl}`);
  expect(Boolean(first(props, 'name')), `${where} has no name`);
}

function checkRels() {
  const rels = doc.rels || {};
  expect(show(rels.self) === show([want.base_url]),
         `rel=self ${show(rels.self)}, want exactly [${want.base_url}]`);
  for (const rel of ['hub', 'token_endpoint', 'indieauth-metadata']) {
    expect((rels[rel] || []).length === 1,
           `rel=${rel} ${show(rels[rel])}, want one URL`);
  }
}

function checkFeed() {
  const items = doc.items || [];
  if (!expect(items.length === 1,
              `${items.length} top-level items, want one h-feed`)) return null;
  const feed = items[0];
  if (!expect(show(feed.type) === show(['h-feed']),
              `top-level type ${show(feed.type)}, want h-feed`)) return null;
  const props = feed.properties || {};
  expect(Boolean(first(props, 'name')), 'h-feed has no name');
  expect(first(props, 'url') === want.feed_url,
         `h-feed url ${show(first(props, 'url'))}, want ${want.feed_url}`);
  card('h-feed author', first(props, 'author'), want.author_url);
  return feed;
}

function checkEntry(i, entry, w) {
  const where = `entry ${i}`;
  if (!expect(show(entry.type) === show(['h-entry']),
              `${where} type ${show(entry.type)}`)) return;
  const props = entry.properties || {};
  for (const name of ['uid', 'url']) {
    expect(first(props, name) === w[name],
           `${where} ${name} ${show(first(props, name))}, want ${w[name]}`);
  }
  const published = String(first(props, 'published') || '');
  expect(published.replace(' ', 'T') === w.published,
         `${where} published ${show(published)}, want ${w.published}`);
  card(`${where} author`, first(props, 'author'), want.author_url);
  expect(!('name' in props), `${where} has a name (MP-3): ${show(props.name)}`);
  const content = first(props, 'content');
  if (expect(content && typeof content === 'object' &&
             typeof content.html === 'string' &&
             typeof content.value === 'string',
             `${where} content is not {html, value}: ${show(content)}`)) {
    expect(words(content.value) === words(w.text),
           `${where} content value ${show(content.value)}, ` +
           `want the text ${show(w.text)}`);
    expect(!content.html.includes('<script'),
           `${where} content html holds markup from the text`);
  }
  // Issue 15: a reply's in-reply-to, outside content; none otherwise.
  if (w.in_reply_to) {
    expect(show(props['in-reply-to']) === show([w.in_reply_to]),
           `${where} in-reply-to ${show(props['in-reply-to'])}, want ${w.in_reply_to}`);
  } else {
    expect(!('in-reply-to' in props), `${where} has an in-reply-to: ${show(props['in-reply-to'])}`);
  }
  const categories = props.category || [];
  expect(categories.length === 1,
         `${where} has ${categories.length} categories, want the recipient`);
  if (categories.length) {
    card(`${where} category`, categories[0], want.recipient_url);
  }
}

// MP-6, WS-P-7: collect every string a hub's parser would see, and flag
// any entry or content on the way.
function walk(node, strings) {
  if (Array.isArray(node)) {
    node.forEach((v) => walk(v, strings));
  } else if (node !== null && typeof node === 'object') {
    if ((node.type || []).includes('h-entry')) {
      failures.push('stub holds an h-entry');
    }
    if (node.properties && 'content' in node.properties) {
      failures.push('stub holds a content property');
    }
    for (const [key, value] of Object.entries(node)) {
      strings.push(key);
      walk(value, strings);
    }
  } else if (typeof node === 'string') {
    strings.push(node);
  }
}

function unescapeHtml(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

function checkNothingPrivate() {
  const strings = [];
  walk(doc, strings);
  const text = unescapeHtml(raw);
  for (const secret of want.private) {
    for (const s of strings) {
      if (s.includes(secret)) {
        failures.push(`stub shows private ${show(secret)} in ${show(s)}`);
      }
    }
    if (text.includes(secret)) {
      failures.push(`stub file holds private ${show(secret)}`);
    }
  }
}

checkRels();
const feed = checkFeed();
if (feed) {
  const children = feed.children || [];
  const wanted = want.kind === 'page' ? want.entries : [];
  expect(children.length === wanted.length,
         `${children.length} children, want ${wanted.length}`);
  children.forEach((entry, i) => {
    if (i < wanted.length) checkEntry(i, entry, wanted[i]);
  });
  if (want.kind === 'stub') checkNothingPrivate();
}
for (const msg of failures) {
  process.stderr.write(`mf2-check: ${file}: ${msg}\n`);
}
process.exit(failures.length ? 1 : 0);
