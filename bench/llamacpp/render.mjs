#!/usr/bin/env node
// Renders chat templates with @huggingface/jinja (the Jinja engine node-llama-cpp and transformers.js
// use), to check Lathe's exported templates without a model.
//
// Usage: node bench/llamacpp/render.mjs < cases.json
//   cases.json: [{template, messages: [{role, content}], bos_token, eos_token, add_generation_prompt}]
// Prints {ok: true, rendered: [text per case]} or {ok: false, error, case} (exit 1).
import {Template} from "@huggingface/jinja";
import {readFileSync} from "node:fs";

let index = -1;
try {
    const cases = JSON.parse(readFileSync(0, "utf8"));
    const rendered = cases.map((c, i) => {
        index = i;
        const {template, ...vars} = c;
        return new Template(template).render(vars);
    });
    process.stdout.write(JSON.stringify({ok: true, rendered}) + "\n");
} catch (err) {
    process.stdout.write(JSON.stringify({ok: false, error: String(err?.message ?? err), case: index}) + "\n");
    process.exit(1);
}
