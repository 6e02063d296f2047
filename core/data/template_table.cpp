// The built-in chat templates, copied slot for slot from LLaMA-Factory v0.9.x
// (src/llamafactory/data/template.py, register_template). Where LLaMA-Factory fills a slot from a
// default, the default is written out here: the user formatter's "{{content}}" for system slots,
// "{{content}}{{eos_token}}" for assistant slots. An empty observation / function slot reuses the
// user / assistant slot, as LLaMA-Factory's defaults do.
#include "core/data/template.h"

#include <cstddef>
#include <string>
#include <utility>

namespace lathe {

namespace {

// Fields in order: name,
//   format {prefix, system, user, assistant, observation, function, separator},
//   default_system, stop_words, fold_system, replace_eos, efficient_eos.
std::vector<ChatTemplate> make_table() {
    std::vector<ChatTemplate> table = {
        {"default",
         {"",
          "System: {{content}}{{eos_token}}\n",
          "Human: {{content}}{{eos_token}}\nAssistant:",
          "{{content}}{{eos_token}}\n",
          "", "", ""},
         "", {}, false, false, false},

        // Plain concatenation; nothing marks the end of an answer.
        {"empty",
         {"", "{{content}}", "{{content}}", "{{content}}", "", "", ""},
         "", {}, false, false, false},

        {"alpaca",
         {"",
          "{{content}}",
          "### Instruction:\n{{content}}\n\n### Response:\n",
          "{{content}}{{eos_token}}\n\n",
          "", "", ""},
         "Below is an instruction that describes a task. Write a response that appropriately completes "
         "the request.\n\n",
         {}, false, false, false},

        {"chatml",
         {"",
          "<|im_start|>system\n{{content}}<|im_end|>\n",
          "<|im_start|>user\n{{content}}<|im_end|>\n<|im_start|>assistant\n",
          "{{content}}<|im_end|>\n",
          "<|im_start|>tool\n{{content}}<|im_end|>\n<|im_start|>assistant\n",
          "", ""},
         "", {"<|im_end|>", "<|im_start|>"}, false, true, false},

        {"qwen",
         {"",
          "<|im_start|>system\n{{content}}<|im_end|>\n",
          "<|im_start|>user\n{{content}}<|im_end|>\n<|im_start|>assistant\n",
          "{{content}}<|im_end|>\n",
          "<|im_start|>user\n<tool_response>\n{{content}}\n</tool_response><|im_end|>\n<|im_start|>assistant\n",
          "", ""},
         "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
         {"<|im_end|>"}, false, true, false},

        // DeepSeek-V3 (deepseekr1, added below, is the same layout with <think> thoughts).
        {"deepseek3",
         {"{{bos_token}}",
          "{{content}}",
          "<｜User｜>{{content}}<｜Assistant｜>",
          "{{content}}{{eos_token}}",
          "", "", ""},
         "", {}, false, false, false},

        // "<s>" opens every [INST] pair: it is the BOS id, written in the user slot.
        {"llama2",
         {"",
          "<<SYS>>\n{{content}}\n<</SYS>>\n\n",
          "{{bos_token}}[INST] {{content}} [/INST]",
          "{{content}}{{eos_token}}",
          "", "", ""},
         "", {}, true, false, false},

        {"llama3",
         {"{{bos_token}}",
          "<|start_header_id|>system<|end_header_id|>\n\n{{content}}<|eot_id|>",
          "<|start_header_id|>user<|end_header_id|>\n\n{{content}}<|eot_id|>"
          "<|start_header_id|>assistant<|end_header_id|>\n\n",
          "{{content}}<|eot_id|>",
          "<|start_header_id|>ipython<|end_header_id|>\n\n{{content}}<|eot_id|>"
          "<|start_header_id|>assistant<|end_header_id|>\n\n",
          "", ""},
         "", {"<|eot_id|>", "<|eom_id|>"}, false, true, false},

        // Mistral tokenizer v3: BOS once, the system prompt folded into the first [INST].
        {"mistral",
         {"{{bos_token}}",
          "{{content}}\n\n",
          "[INST] {{content}}[/INST]",
          " {{content}}{{eos_token}}",
          "[TOOL_RESULTS] {\"content\": {{content}}}[/TOOL_RESULTS]",
          "[TOOL_CALLS] {{content}}{{eos_token}}",
          ""},
         "", {}, true, false, false},

        // Gemma has no system turn: the system prompt opens the first user turn.
        {"gemma",
         {"{{bos_token}}",
          "{{content}}\n\n",
          "<start_of_turn>user\n{{content}}<end_of_turn>\n<start_of_turn>model\n",
          "{{content}}<end_of_turn>\n",
          "<start_of_turn>tool\n{{content}}<end_of_turn>\n<start_of_turn>model\n",
          "", ""},
         "", {"<end_of_turn>"}, true, true, false},

        // Phi-3 and Phi-3.5-mini.
        {"phi",
         {"",
          "<|system|>\n{{content}}<|end|>\n",
          "<|user|>\n{{content}}<|end|>\n<|assistant|>\n",
          "{{content}}<|end|>\n",
          "", "", ""},
         "", {"<|end|>"}, false, true, false},

        // Phi-4 (14B).
        {"phi4",
         {"",
          "<|im_start|>system<|im_sep|>{{content}}<|im_end|>",
          "<|im_start|>user<|im_sep|>{{content}}<|im_end|><|im_start|>assistant<|im_sep|>",
          "{{content}}<|im_end|>",
          "", "", ""},
         "", {"<|im_end|>"}, false, true, false},

        // Phi-4-mini: Phi-3's tokens without the newlines (not in LLaMA-Factory v0.9.x; written from
        // Phi-4-mini-instruct's chat_template).
        {"phi4_mini",
         {"",
          "<|system|>{{content}}<|end|>",
          "<|user|>{{content}}<|end|><|assistant|>",
          "{{content}}<|end|>",
          "", "", ""},
         "", {"<|end|>"}, false, true, false},

        {"smollm2",
         {"",
          "<|im_start|>system\n{{content}}<|im_end|>\n",
          "<|im_start|>user\n{{content}}<|im_end|>\n<|im_start|>assistant\n",
          "{{content}}<|im_end|>\n",
          "", "", ""},
         "You are a helpful AI assistant named SmolLM, trained by Hugging Face.", {"<|im_end|>"}, false, false, false},

        {"vicuna",
         {"", "{{content}}", "USER: {{content}} ASSISTANT:", "{{content}}{{eos_token}}", "", "", ""},
         "A chat between a curious user and an artificial intelligence assistant. "
         "The assistant gives helpful, detailed, and polite answers to the user's questions.",
         {}, false, false, false},

        {"zephyr",
         {"",
          "<|system|>\n{{content}}{{eos_token}}",
          "<|user|>\n{{content}}{{eos_token}}<|assistant|>\n",
          "{{content}}{{eos_token}}",
          "", "", ""},
         "You are Zephyr, a helpful assistant.", {}, false, false, false},
    };
    // The reasoning templates (LLaMA-Factory's ReasoningTemplate, its default thought words), each next to
    // the row whose slots it shares: deepseekr1 (DeepSeek-R1 and its Qwen / Llama distills) is deepseek3;
    // qwen3 is qwen without the default system prompt (Qwen3's hybrid thinking: enable_thinking false
    // answers without a thought).
    auto add_reasoning = [&table](const std::string& base, const std::string& name, bool keep_system) {
        for (size_t i = 0; i < table.size(); ++i) {
            if (table[i].name != base) continue;
            ChatTemplate t = table[i];
            t.name = name;
            if (!keep_system) t.default_system.clear();
            t.thought_open = "<think>\n";
            t.thought_close = "\n</think>\n\n";
            table.insert(table.begin() + std::ptrdiff_t(i) + 1, std::move(t));
            return;
        }
    };
    add_reasoning("deepseek3", "deepseekr1", true);
    add_reasoning("qwen", "qwen3", false);
    return table;
}

}  // namespace

const std::vector<ChatTemplate>& builtin_templates() {
    static const std::vector<ChatTemplate> table = make_table();
    return table;
}

}  // namespace lathe
