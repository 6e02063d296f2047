#!/usr/bin/env node
// llama.cpp as a reference for Lathe's GGUF export, through node-llama-cpp's prebuilt CPU binaries
// (installed by scripts/llamacpp-setup.sh; nothing is downloaded or built here).
//
// Usage:
//   node bench/llamacpp/run.mjs --model m.gguf (--tokens 1,2,3 | --prompt "text" [--bos])
//        [--n-predict 16] [--threads N] [--context N] [--batch 512]
//        [--logits] [--top-k K] [--perplexity] [--flash-attention auto|on|off] [--kv-cache f16|f32]
//   node bench/llamacpp/run.mjs --model m.gguf --chat '[{"role":"user","content":"Hi"}]' [--n-predict 16]
//   node bench/llamacpp/run.mjs --backend-only   (loads the CPU backend and no model: the runtime's own memory)
//
//   --tokens      prompt as token ids (comma separated); --prompt tokenizes text with the model's
//                 tokenizer (special tokens are parsed), --bos prepends the BOS token
//   --n-predict   greedy tokens to generate (0: none); generation stops early at an end-of-generation
//                 token, which is then the last token reported (stop_reason "eog")
//   --threads     CPU threads for evaluation (default: all math cores). Keep it at or below the idle
//                 cores: ggml's workers spin at a barrier, so on a busy machine 2 threads on 2 shared
//                 cores ran 500x slower than 1 (2.7k vs 3 tokens/s on the tiny test model)
//   --logits      the raw logits at every prompt position (teacher forcing), as dense arrays
//   --top-k K     the K best (token, logit) pairs at every prompt position
//   --perplexity  mean negative log-likelihood and perplexity of the prompt, each token predicted
//                 from the ones before it (the first token is not scored)
//   --kv-cache    the type of llama.cpp's key/value cache (default f16, llama.cpp's; f32 keeps the keys
//                 and values exact, for comparing logits closely)
//   --chat JSON   the prompt is these messages rendered with the file's own tokenizer.chat_template
//                 (Jinja, by @huggingface/jinja with bos_token, eos_token, add_generation_prompt=true),
//                 tokenized as llama.cpp's chat does: a leading BOS text is dropped and BOS prepended
//                 when the model adds one; the output then has `rendered` (the prompt text)
//
// Prints one JSON object on stdout (logs go to stderr):
//   {ok, llama_cpp, model: {path, architecture, n_vocab, n_ctx_train, size_bytes}, threads,
//    context_size, prompt_tokens, generated, stop_reason, load_ms, ttft_ms, prompt_tokens_per_s,
//    decode_tokens_per_s, top1?, logits?, top_k?, perplexity?: {n, nll_mean, ppl}}
// ttft_ms: from submitting the prompt to the first generated token (prompt evaluation + one sample);
// decode_tokens_per_s: the tokens after the first over the time they took.
// On failure: {ok: false, error} and exit status 1 (2 for bad arguments).
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import {Template} from "@huggingface/jinja";
import {readFileSync} from "node:fs";
import {performance} from "node:perf_hooks";

const USAGE = "usage: run.mjs --model FILE.gguf (--tokens 1,2,3 | --prompt TEXT [--bos] | --chat JSON) [--n-predict N] " +
    "[--threads N] [--context N] [--batch N] [--logits] [--top-k K] [--perplexity] [--flash-attention auto|on|off] [--kv-cache f16|f32]";

class UsageError extends Error {}

function packageVersion() {
    const url = new URL("./node_modules/node-llama-cpp/package.json", import.meta.url);
    try {
        return JSON.parse(readFileSync(url, "utf8")).version;
    } catch {
        return null;
    }
}

function parseArgs(argv) {
    const flags = new Set(["--logits", "--perplexity", "--bos", "--help", "--backend-only"]);
    const opts = {nPredict: 16, batch: 512, topK: 0, flashAttention: "auto", kvCache: "f16"};
    for (let i = 0; i < argv.length; i++) {
        const name = argv[i];
        if (flags.has(name)) {
            opts[name.slice(2)] = true;
            continue;
        }
        const value = argv[++i];
        if (value === undefined) throw new UsageError(`${name} needs a value`);
        const int = (what) => {
            const n = Number(value);
            if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} expects a non-negative integer, got '${value}'`);
            return n;
        };
        switch (name) {
            case "--model": opts.model = value; break;
            case "--prompt": opts.prompt = value; break;
            case "--chat":
                try {
                    opts.chat = JSON.parse(value);
                } catch (e) {
                    throw new UsageError(`--chat: not JSON: ${e.message}`);
                }
                if (!Array.isArray(opts.chat)) throw new UsageError("--chat takes a JSON array of {role, content} messages");
                break;
            case "--tokens":
                opts.tokens = value.split(",").filter((s) => s.trim() !== "").map((s) => {
                    const n = Number(s);
                    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--tokens: '${s}' is not a token id`);
                    return n;
                });
                break;
            case "--n-predict": opts.nPredict = int(); break;
            case "--threads": opts.threads = int(); break;
            case "--context": opts.context = int(); break;
            case "--batch": opts.batch = int(); break;
            case "--top-k": opts.topK = int(); break;
            case "--flash-attention":
                if (!["auto", "on", "off"].includes(value)) throw new UsageError("--flash-attention takes auto, on or off");
                opts.flashAttention = value;
                break;
            case "--kv-cache":
                if (!["f16", "f32"].includes(value)) throw new UsageError("--kv-cache takes f16 or f32");
                opts.kvCache = value;
                break;
            default: throw new UsageError(`unknown option ${name}`);
        }
    }
    if (opts.help) throw new UsageError(USAGE);
    if (opts["backend-only"]) return opts;
    if (!opts.model) throw new UsageError("--model is required");
    if ([opts.tokens, opts.prompt, opts.chat].filter((x) => x !== undefined).length !== 1)
        throw new UsageError("give exactly one of --tokens, --prompt and --chat");
    return opts;
}

// Raw logits at every prompt position: Map(token -> logit) sorted best first, as node-llama-cpp
// returns them. Leaves the sequence empty again for generation.
async function promptLogits(sequence, tokens) {
    const input = tokens.map((t) => [t, {generateNext: {logits: true}}]);
    const results = await sequence.controlledEvaluate(input);
    await sequence.clearHistory();
    return results.map((r, i) => {
        if (!r?.next?.logits) throw new Error(`no logits returned for prompt position ${i}`);
        return r.next.logits;
    });
}

function dense(map) {
    const out = new Array(map.size).fill(0);
    for (const [token, logit] of map) {
        if (token >= out.length) throw new Error(`token ${token} outside a vocabulary of ${map.size}`);
        out[token] = logit;
    }
    return out;
}

function perplexity(logitMaps, tokens) {
    let nll = 0;
    for (let i = 0; i + 1 < tokens.length; i++) {
        const map = logitMaps[i];
        const max = map.values().next().value;  // sorted best first
        let sum = 0;
        for (const v of map.values()) sum += Math.exp(v - max);
        const target = map.get(tokens[i + 1]);
        if (target === undefined) throw new Error(`token ${tokens[i + 1]} has no logit`);
        nll -= target - max - Math.log(sum);
    }
    const n = tokens.length - 1;
    return n > 0 ? {n, nll_mean: nll / n, ppl: Math.exp(nll / n)} : {n: 0, nll_mean: null, ppl: null};
}

async function generate(sequence, model, tokens, nPredict) {
    const generated = [];
    let stopReason = "n_predict";
    const start = performance.now();
    let first = null, last = null;
    if (nPredict > 0) {
        for await (const token of sequence.evaluate(tokens, {temperature: 0, yieldEogToken: true})) {
            last = performance.now();
            first ??= last;
            generated.push(token);
            if (model.isEogToken(token)) {
                stopReason = "eog";
                break;
            }
            if (generated.length >= nPredict) break;
        }
    }
    if (nPredict > 0 && generated.length < nPredict && stopReason !== "eog") stopReason = "ended";
    const ttft = first === null ? null : first - start;
    const decodeTime = first === null ? 0 : (last - first) / 1000;
    return {
        generated,
        stop_reason: nPredict > 0 ? stopReason : "none",
        ttft_ms: ttft,
        prompt_tokens_per_s: ttft ? tokens.length / (ttft / 1000) : null,
        decode_tokens_per_s: generated.length > 1 && decodeTime > 0 ? (generated.length - 1) / decodeTime : null,
    };
}

// The chat prompt as llama.cpp's chat path builds it from the GGUF's Jinja template.
function chatPrompt(model, messages) {
    const source = model.fileInfo.metadata?.tokenizer?.chat_template;
    if (typeof source !== "string") throw new UsageError("--chat: the file has no tokenizer.chat_template");
    const text = (id) => (id === null || id === undefined ? "" : model.detokenize([id], true));
    const bos = text(model.tokens.bos), eos = text(model.tokens.eos);
    const rendered = new Template(source).render({messages, bos_token: bos, eos_token: eos, add_generation_prompt: true});
    const addBos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null;
    const body = addBos && bos && rendered.startsWith(bos) ? rendered.slice(bos.length) : rendered;
    return {rendered, tokens: [...(addBos ? [model.tokens.bos] : []), ...model.tokenize(body, true)]};
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const t0 = performance.now();
    // No download, no build: the prebuilt @node-llama-cpp/linux-x64 binaries or an error.
    const llama = await getLlama({
        gpu: false,
        build: "never",
        usePrebuiltBinaries: true,
        skipDownload: true,
        progressLogs: false,
        logLevel: LlamaLogLevel.warn,
        logger: (level, message) => process.stderr.write(`[llama.cpp ${level}] ${message}${message.endsWith("\n") ? "" : "\n"}`),
        vramPadding: 0,
    });
    if (opts["backend-only"]) {  // the runtime's own memory, without a model (bench/inference_vs_llamacpp.sh)
        process.stdout.write(JSON.stringify({ok: true, load_ms: performance.now() - t0}) + "\n");
        return;
    }
    const threads = opts.threads || llama.cpuMathCores;
    const model = await llama.loadModel({modelPath: opts.model, gpuLayers: 0, useMmap: true});
    const chat = opts.chat ? chatPrompt(model, opts.chat) : null;
    const tokens = chat?.tokens ?? opts.tokens ?? [
        ...(opts.bos && model.tokens.bos !== null ? [model.tokens.bos] : []),
        ...model.tokenize(opts.prompt, true),
    ];
    if (tokens.length === 0) throw new UsageError("the prompt has no tokens");
    const nVocab = model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length;
    const outside = nVocab ? tokens.find((t) => t >= nVocab) : undefined;
    if (outside !== undefined) throw new UsageError(`token ${outside} is outside the vocabulary (${nVocab} tokens)`);
    const needed = tokens.length + opts.nPredict + 1;
    const context = await model.createContext({
        contextSize: opts.context ?? Math.max(256, needed),
        batchSize: Math.min(opts.batch, Math.max(needed, 32)),
        threads: {ideal: threads, min: threads},
        sequences: 1,
        flashAttention: opts.flashAttention === "auto" ? "auto" : opts.flashAttention === "on",
        ...(opts.kvCache === "f32" ? {experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"} : {}),
    });
    if (needed > context.contextSize) throw new UsageError(`prompt + n_predict (${needed}) exceed the context size ${context.contextSize}`);
    const loadMs = performance.now() - t0;

    const out = {
        ok: true,
        llama_cpp: {...llama.llamaCppRelease, build: llama.buildType,
            node_llama_cpp: packageVersion()},
        model: {
            path: opts.model,
            architecture: model.fileInfo.metadata?.general?.architecture ?? null,
            n_vocab: nVocab ?? null,
            n_ctx_train: model.trainContextSize,
            size_bytes: model.size,
        },
        threads,
        context_size: context.contextSize,
        prompt_tokens: tokens,
        ...(chat ? {rendered: chat.rendered} : {}),
        load_ms: loadMs,
    };
    const sequence = context.getSequence();
    if (opts.logits || opts.topK > 0 || opts.perplexity) {
        const maps = await promptLogits(sequence, tokens);
        out.top1 = maps.map((m) => m.keys().next().value);
        if (opts.logits) out.logits = maps.map(dense);
        if (opts.topK > 0) out.top_k = maps.map((m) => [...m].slice(0, opts.topK));
        if (opts.perplexity) out.perplexity = perplexity(maps, tokens);
    }
    Object.assign(out, await generate(sequence, model, tokens, opts.nPredict));
    await context.dispose();
    await model.dispose();
    await llama.dispose();
    process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((err) => {
    process.stdout.write(JSON.stringify({ok: false, error: String(err?.message ?? err)}) + "\n");
    if (!(err instanceof UsageError)) process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
});
