// Generates tests/data/tokenizer/reference_ids.json: token ids and decoded text for the real tokenizers
// in ../shared/tokenizers, computed by @lenml/tokenizers (a JavaScript port of Hugging Face tokenizers,
// forked from transformers.js). The C++ tests compare Lathe's tokenizers against this file.
//
//   cd tests/tools/tokenizer_reference && npm install && node generate_reference.mjs
//
// Decoding is requested with clean_up_tokenization_spaces=false: Lathe's decode is an exact round trip
// and never applies that English-only clean-up (Llama 3's tokenizer_config.json asks for it).
import { TokenizerLoader } from "@lenml/tokenizers";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
// Like tests/registry.h: $LATHE_SHARED_DIR, else ../shared beside the checkout (a worktree may sit one
// level deeper, hence ../../shared as a last resort).
const shared = [process.env.LATHE_SHARED_DIR, path.resolve(root, "../shared"), path.resolve(root, "../../shared")]
  .filter((d) => d && fs.existsSync(path.join(d, "tokenizers")))
  .map((d) => path.join(d, "tokenizers"))[0];
if (!shared) throw new Error("shared/tokenizers not found: set LATHE_SHARED_DIR");
const out = path.join(root, "tests/data/tokenizer/reference_ids.json");

const longParagraph =
  "The quick brown fox jumps over the lazy dog. " +
  "Fine-tuning a large language model on a laptop used to be impossible; today, with LoRA adapters, " +
  "4-bit quantisation and careful batching, a 7B model fits in 16 GB of memory. " +
  "Tokenizers matter: a mismatch of a single id between training and inference silently degrades " +
  "quality, which is why we compare every id against a reference implementation.\n\n" +
  "그리고 한국어 문장도 섞어 봅니다. 토크나이저는 정확해야 합니다.";

// [name, text]: names are stable keys the C++ tests may single out.
const inputs = [
  ["english", "Hello world"],
  ["english_sentence", "The quick brown fox jumps over the lazy dog."],
  ["english_punct", "Wait... what?! Really, (no) [way] {ok}; yes: \"quoted\" and 'single'."],
  ["korean", "안녕하세요, 저는 라테입니다."],
  ["korean_long", "대한민국의 수도는 서울이며, 인구는 약 천만 명입니다. 한글은 1443년에 창제되었습니다."],
  ["mixed_ko_en", "오늘 LoRA fine-tuning을 해봤는데 loss가 2.31에서 1.05로 떨어졌어요!"],
  ["emoji", "I love pizza 🍕🍕 and 😀!"],
  ["emoji_zwj", "Family: 👨‍👩‍👧‍👦 and 👩🏽‍💻 coder"],
  ["emoji_flags", "Flags: 🇰🇷 🇺🇸 🇯🇵 🏳️‍🌈"],
  ["spaces_run", "a    b     c"],
  ["leading_spaces", "   leading spaces"],
  ["trailing_spaces", "trailing spaces   "],
  ["tabs", "col1\tcol2\t\tcol3"],
  ["newlines", "line one\n\n\nline two\n"],
  ["crlf", "windows\r\nline\r\n"],
  ["only_spaces", "     "],
  ["only_newlines", "\n\n\n"],
  ["mixed_whitespace", " \t \n \t\n  x  \n"],
  ["digits", "1234567"],
  ["float", "pi is 3.14159 and e is 2.71828"],
  ["numbers_mixed", "In 2024, 1,000,000 users paid $19.99/month (a 12.5% rise)."],
  ["code_python", "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n"],
  ["code_cpp", "int main() {\n\tstd::vector<int> v{1, 2, 3};\n\treturn v.size() > 2 ? 0 : 1;\n}"],
  ["code_json", "{\"name\": \"lathe\", \"version\": [0, 1], \"ok\": true}"],
  ["contractions", "I'm sure you're right, we'll see; it's John's and they've I'd"],
  ["contractions_upper", "DON'T SHOUT, I'M HERE AND IT'S FINE, YOU'LL SEE"],
  ["special_qwen_chat", "<|im_start|>user\nhi<|im_end|>"],
  ["special_qwen_think", "<think>\nreasoning\n</think>\n\nanswer"],
  ["special_llama3_header", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"],
  ["special_llama2", "<s>[INST] What is 2+2? [/INST] 4</s>"],
  ["special_adjacent_text", "x<|endoftext|>y<|end_of_text|>z</s>w"],
  ["special_spaced", "  <|im_start|>  system\n  <|im_end|>  \nnext <s> </s> "],
  ["empty", ""],
  ["single_space", " "],
  ["single_char", "a"],
  ["long_paragraph", longParagraph],
  ["accented_nfc", "Café naïve résumé — Ångström, Zürich, São Paulo"],
  ["combining_marks", "Cafe\u0301 nai\u0308ve re\u0301sume\u0301 A\u030Angstro\u0308m"],
  ["hangul_jamo", "\u1112\u1161\u11AB\u1100\u1173\u11AF"],
  ["chinese", "我爱自然语言处理。今天天气很好！"],
  ["japanese", "東京は日本の首都です。カタカナとひらがなも使います。"],
  ["cyrillic_greek", "Привет, мир! Γειά σου Κόσμε"],
  ["arabic_hebrew", "مرحبا بالعالم שלום עולם"],
  ["symbols", "© ® ™ ≤ ≥ ≠ ∞ ∑ √ € £ ¥ → ← ↔ ★ ♥"],
  ["url_email", "See https://example.com/a?b=c&d=e#f or mail me@example.org"],
  ["markdown", "# Title\n\n- item **bold** _it_\n- `code`\n\n> quote"],
  ["repeated_chars", "aaaaaaaaaaaaaaaaaaaa!!!!!!!!!!??????"],
  ["unicode_spaces", "non\u00A0breaking\u2003em\u3000ideographic"],
  ["fullwidth", "ＡＢＣ１２３！"],
  ["rare_bytes", "\u0001\u0007\u007F control"],
];

function readJson(name, file) {
  return JSON.parse(fs.readFileSync(path.join(shared, name, file), "utf8"));
}

function load(name, variant = null) {
  const tokenizerJSON = readJson(name, "tokenizer.json");
  if (variant) applyVariant(tokenizerJSON, variant);
  return TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig: readJson(name, "tokenizer_config.json") });
}

// Variants: a real tokenizer.json with some parts replaced, to cover pipeline pieces the three real files
// do not use. The C++ test applies the same edits ("replace": top-level keys; "added_token_flags":
// per added token content) before comparing.
const variants = [
  {
    name: "qwen3_gpt2_pretokenizer",
    base: "qwen3",
    note: "GPT-2's setup: no normalizer, a plain ByteLevel pre-tokenizer with use_regex=true.",
    replace: {
      normalizer: null,
      pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    },
  },
  {
    name: "llama3_bos_template",
    base: "llama3",
    note: "Meta's own Llama 3 tokenizer.json: ByteLevel then TemplateProcessing adding <|begin_of_text|>.",
    replace: {
      post_processor: {
        type: "Sequence",
        processors: [
          { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
          {
            type: "TemplateProcessing",
            single: [{ SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
            pair: [
              { SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } },
              { SpecialToken: { id: "<|begin_of_text|>", type_id: 1 } }, { Sequence: { id: "B", type_id: 1 } },
            ],
            special_tokens: { "<|begin_of_text|>": { id: "<|begin_of_text|>", ids: [128000], tokens: ["<|begin_of_text|>"] } },
          },
        ],
      },
    },
  },
  {
    name: "llama2_metaspace",
    base: "llama2",
    note: "Mistral-style SentencePiece BPE: Metaspace pre-tokenizer (prepend_scheme first, no split) instead of " +
      "the Prepend/Replace normalizer. Decoding is not compared: the JS port's Metaspace decoder drops one leading " +
      "space of the first token, while tokenizers (metaspace.rs, decode_chain) drops every '\u2581' of the first token.",
    decode_reference: false,
    replace: {
      normalizer: null,
      pre_tokenizer: { type: "Metaspace", replacement: "\u2581", add_prefix_space: true, prepend_scheme: "first", split: false },
      decoder: { type: "Metaspace", replacement: "\u2581", add_prefix_space: true, prepend_scheme: "first", split: false },
    },
  },
  {
    name: "qwen3_added_flags",
    base: "qwen3",
    note: "Added-token flags: <|im_start|> strips whitespace on its left, <|im_end|> on its right.",
    added_token_flags: { "<|im_start|>": { lstrip: true }, "<|im_end|>": { rstrip: true } },
  },
];

function applyVariant(tokenizerJSON, variant) {
  Object.assign(tokenizerJSON, structuredClone(variant.replace ?? {}));
  for (const [content, flags] of Object.entries(variant.added_token_flags ?? {})) {
    const token = tokenizerJSON.added_tokens.find((t) => t.content === content);
    if (!token) throw new Error(`${variant.name}: no added token ${content}`);
    Object.assign(token, flags);
  }
}

function decode(tok, ids, skip) {
  if (ids.length === 0) return ""; // the JS port refuses empty input; HF returns ""
  return tok.decode(ids, { skip_special_tokens: skip, clean_up_tokenization_spaces: false });
}

const result = {
  generator: "tests/tools/tokenizer_reference/generate_reference.mjs",
  reference: "@lenml/tokenizers " +
    JSON.parse(fs.readFileSync(path.join(here, "node_modules/@lenml/tokenizers/package.json"))).version,
  notes: [
    "ids: encode(text, add_special_tokens=false); ids_special: add_special_tokens=true.",
    "decoded / decoded_skip: decode(ids_special, skip_special_tokens=false/true), clean_up_tokenization_spaces=false.",
    "llama3 here has a ByteLevel post_processor only (no TemplateProcessing), so add_special_tokens adds nothing, as in Hugging Face.",
    "llama2 is its tokenizer.json, which is not the twin of the tokenizer.model beside it: its vocabulary is Mistral 7B's " +
      "(\u2581Hello = 22557; Llama 2's tokenizer.model has \u2581Hello = 15043; 270 of 32000 pieces agree). " +
      "The tokenizer.model is checked against its tokenizer.json form built by Lathe's converter instead.",
    "deepseek_v3 is a LlamaTokenizerFast with add_bos_token=true and a ByteLevel-only post_processor: transformers " +
      "rebuilds the post-processor from add_bos_token and prepends BOS, the JavaScript port does not, so ids_special " +
      "here has BOS prepended as transformers gives it (llamaFastBos in the generator).",
  ],
  tokenizers: {},
};

// transformers' LlamaTokenizerFast rebuilds the post-processor from tokenizer_config.json's add_bos_token /
// add_eos_token (update_post_processor); the JavaScript port keeps tokenizer.json's. For such a tokenizer
// whose tokenizer.json post-processor adds nothing (DeepSeek-V3's is ByteLevel only), the BOS id that
// Hugging Face prepends with add_special_tokens=true; else null.
function llamaFastBos(name) {
  const config = readJson(name, "tokenizer_config.json");
  const json = readJson(name, "tokenizer.json");
  if (config.tokenizer_class !== "LlamaTokenizerFast" || !config.add_bos_token) return null;
  if (json.post_processor?.type === "TemplateProcessing") return null;
  const bos = typeof config.bos_token === "string" ? config.bos_token : config.bos_token?.content;
  const added = json.added_tokens.find((t) => t.content === bos);
  return added ? added.id : null;
}

function cases(tok, withDecode = true, bos = null) {
  return inputs.map(([key, text]) => {
    const ids = tok.encode(text, { add_special_tokens: false });
    let ids_special = tok.encode(text, { add_special_tokens: true });
    if (bos !== null && ids_special[0] !== bos) ids_special = [bos, ...ids_special];
    const c = { name: key, text, ids, ids_special };
    if (withDecode) {
      c.decoded = decode(tok, ids_special, false);
      c.decoded_skip = decode(tok, ids_special, true);
    }
    return c;
  });
}

for (const name of ["llama3", "qwen3", "llama2", "gemma3", "deepseek_v3"])
  result.tokenizers[name] = { cases: cases(load(name), true, llamaFastBos(name)) };
result.variants = variants.map((v) => {
  const { decode_reference = true, ...rest } = v;
  return { ...rest, decode_reference, cases: cases(load(v.base, v), decode_reference) };
});

fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(result, null, 1) + "\n");
console.log(`wrote ${out}: ${inputs.length} inputs x ${Object.keys(result.tokenizers).length} tokenizers, ` +
  `${variants.length} variants`);
