// Chat templates against LLaMA-Factory v0.9.x: the rendered text of every built-in, the ids a
// character-level fake tokenizer gives (BOS/EOS ids where they belong), how each slot is cut into
// tokenizer calls, stop tokens, conversation errors and the auto-pick rules.
#include "tests/checks.h"
#include "tests/registry.h"

#include "core/data/template.h"
#include "core/io/json_file.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>
#include <QtTest>

#include <algorithm>

using namespace lathe;

namespace {

// Bytes are ids 0..255; added tokens follow from 256 in the order given and are split out of the
// text first, longest match wins, as Hugging Face does with added tokens. Every encode() call is
// recorded so tests can check how the text was cut.
class FakeTokenizer : public Tokenizer {
public:
    FakeTokenizer(std::vector<std::string> added, const std::string& bos, const std::string& eos,
                  std::string chat_template = "")
        : added_(std::move(added)) {
        special_.bos = bos;
        special_.eos = eos;
        special_.bos_id = bos.empty() ? -1 : token_to_id(bos);
        special_.eos_id = eos.empty() ? -1 : token_to_id(eos);
        chat_template_ = std::move(chat_template);
        dir_ = "/models/fake";
    }

    std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = false) const override {
        calls.emplace_back(text);
        std::vector<int32_t> ids;
        if (add_special_tokens && special_.add_bos && special_.bos_id >= 0) ids.push_back(special_.bos_id);
        for (size_t i = 0; i < text.size();) {
            int32_t best = -1;
            size_t best_len = 0;
            for (size_t k = 0; k < added_.size(); ++k)
                if (added_[k].size() > best_len && text.compare(i, added_[k].size(), added_[k]) == 0) {
                    best = 256 + static_cast<int32_t>(k);
                    best_len = added_[k].size();
                }
            if (best >= 0) {
                ids.push_back(best);
                i += best_len;
            } else {
                ids.push_back(static_cast<unsigned char>(text[i++]));
            }
        }
        return ids;
    }
    std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const override {
        std::string out;
        for (int32_t id : ids)
            if (!(skip_special_tokens && is_special(id))) out += id_to_token(id);
        return out;
    }
    std::string id_to_token(int32_t id) const override {
        return id < 256 ? std::string(1, static_cast<char>(id)) : added_.at(static_cast<size_t>(id - 256));
    }
    int32_t token_to_id(std::string_view token) const override {
        for (size_t k = 0; k < added_.size(); ++k)
            if (added_[k] == token) return 256 + static_cast<int32_t>(k);
        return token.size() == 1 ? static_cast<unsigned char>(token[0]) : -1;
    }
    int32_t vocab_size() const override { return 256 + static_cast<int32_t>(added_.size()); }
    bool is_special(int32_t id) const override { return id >= 256; }
    std::string kind() const override { return "fake"; }

    int32_t id(const std::string& token) const {
        const int32_t i = token_to_id(token);
        if (i < 0) throw std::logic_error("fake tokenizer has no " + token);
        return i;
    }

    mutable std::vector<std::string> calls;

private:
    std::vector<std::string> added_;
};

// The special tokens of each model family, with its real BOS/EOS.
FakeTokenizer llama2_tok() { return FakeTokenizer({"<unk>", "<s>", "</s>"}, "<s>", "</s>"); }
FakeTokenizer llama3_tok(std::string chat_template = "") {
    return FakeTokenizer({"<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                          "<|eot_id|>", "<|eom_id|>"},
                         "<|begin_of_text|>", "<|end_of_text|>", std::move(chat_template));
}
FakeTokenizer qwen_tok(std::string chat_template = "") {
    return FakeTokenizer({"<|endoftext|>", "<|im_start|>", "<|im_end|>"}, "", "<|endoftext|>",
                         std::move(chat_template));
}
FakeTokenizer gemma_tok() {
    return FakeTokenizer({"<pad>", "<eos>", "<bos>", "<start_of_turn>", "<end_of_turn>"}, "<bos>", "<eos>");
}

FakeTokenizer phi3_tok() {
    return FakeTokenizer({"<unk>", "<s>", "</s>", "<|endoftext|>", "<|assistant|>", "<|system|>", "<|end|>", "<|user|>"}, "<s>",
                         "<|endoftext|>");
}
FakeTokenizer phi4_tok() {
    return FakeTokenizer({"<|endoftext|>", "<|im_start|>", "<|im_sep|>", "<|im_end|>"}, "", "<|im_end|>");
}

FakeTokenizer deepseek_tok(std::string chat_template = "") {
    return FakeTokenizer({"<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>"},
                         "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", std::move(chat_template));
}

FakeTokenizer tok_for(const std::string& family) {
    if (family == "llama3") return llama3_tok();
    if (family == "deepseek") return deepseek_tok();
    if (family == "qwen") return qwen_tok();
    if (family == "gemma") return gemma_tok();
    if (family == "phi3") return phi3_tok();
    if (family == "phi4") return phi4_tok();
    return llama2_tok();
}

// [system S, user U1, assistant A1, user U2, generation prompt], written out from
// shared/reference/llamafactory-compat.md (and template.py for vicuna / zephyr).
struct Expectation {
    const char* name;
    const char* family;
    const char* text;
};
const Expectation kExpected[] = {
    // As DeepSeek-V3's own chat_template writes it (shared/tokenizers/deepseek_v3): BOS, the system
    // prompt as bare text, each assistant turn closed by EOS.
    {"deepseek3", "deepseek",
     "<｜begin▁of▁sentence｜>S<｜User｜>U1<｜Assistant｜>A1<｜end▁of▁sentence｜><｜User｜>U2<｜Assistant｜>"},
    // R1's: deepseek3's layout; the thought handling is checked in reasoningTemplates.
    {"deepseekr1", "deepseek",
     "<｜begin▁of▁sentence｜>S<｜User｜>U1<｜Assistant｜>A1<｜end▁of▁sentence｜><｜User｜>U2<｜Assistant｜>"},
    {"qwen3", "qwen",
     "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n"
     "<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n"},
    {"default", "llama2", "System: S</s>\nHuman: U1</s>\nAssistant:A1</s>\nHuman: U2</s>\nAssistant:"},
    {"empty", "llama2", "SU1A1U2"},
    {"alpaca", "llama2", "S### Instruction:\nU1\n\n### Response:\nA1</s>\n\n### Instruction:\nU2\n\n### Response:\n"},
    {"chatml", "qwen",
     "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n"
     "<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n"},
    {"qwen", "qwen",
     "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n"
     "<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n"},
    {"llama3", "llama3",
     "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
     "<|start_header_id|>user<|end_header_id|>\n\nU1<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
     "A1<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nU2<|eot_id|>"
     "<|start_header_id|>assistant<|end_header_id|>\n\n"},
    {"llama2", "llama2", "<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU1 [/INST]A1</s><s>[INST] U2 [/INST]"},
    {"mistral", "llama2", "<s>[INST] S\n\nU1[/INST] A1</s>[INST] U2[/INST]"},
    {"gemma", "gemma",
     "<bos><start_of_turn>user\nS\n\nU1<end_of_turn>\n<start_of_turn>model\nA1<end_of_turn>\n"
     "<start_of_turn>user\nU2<end_of_turn>\n<start_of_turn>model\n"},
    {"phi", "phi3",
     "<|system|>\nS<|end|>\n<|user|>\nU1<|end|>\n<|assistant|>\nA1<|end|>\n<|user|>\nU2<|end|>\n<|assistant|>\n"},
    // Phi-4-mini-instruct's own chat_template: Phi-3's tokens, no newlines.
    {"phi4_mini", "phi3", "<|system|>S<|end|><|user|>U1<|end|><|assistant|>A1<|end|><|user|>U2<|end|><|assistant|>"},
    {"phi4", "phi4",
     "<|im_start|>system<|im_sep|>S<|im_end|><|im_start|>user<|im_sep|>U1<|im_end|><|im_start|>assistant<|im_sep|>A1"
     "<|im_end|><|im_start|>user<|im_sep|>U2<|im_end|><|im_start|>assistant<|im_sep|>"},
    {"smollm2", "qwen",
     "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n"
     "<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n"},
    {"vicuna", "llama2", "SUSER: U1 ASSISTANT:A1</s>USER: U2 ASSISTANT:"},
    {"zephyr", "llama2", "<|system|>\nS</s><|user|>\nU1</s><|assistant|>\nA1</s><|user|>\nU2</s><|assistant|>\n"},
};

const std::vector<Message> kChat = {{Role::User, "U1"}, {Role::Assistant, "A1"}, {Role::User, "U2"}};
const std::vector<Message> kTwoTurns = {
    {Role::User, "U1"}, {Role::Assistant, "A1"}, {Role::User, "U2"}, {Role::Assistant, "A2"}};

std::string escaped(const std::string& s) {
    std::string out;
    for (char c : s) out += c == '\n' ? std::string("\\n") : std::string(1, c);
    return out;
}

#define CHECK_STR(actual, expected, context)                                                          \
    do {                                                                                              \
        const std::string a_ = (actual), e_ = (expected);                                             \
        QVERIFY2(a_ == e_, (std::string(context) + "\n   got: " + escaped(a_) + "\n  want: " + escaped(e_)).c_str()); \
    } while (0)

using lathe::test::error_of;

std::vector<int32_t> concat_ids(std::vector<int32_t> a, const std::vector<int32_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

class TestTemplate : public QObject {
    Q_OBJECT
private slots:
    void everyTemplateHasAnExpectation() {
        std::vector<std::string> names;
        for (const Expectation& e : kExpected) names.push_back(e.name);
        std::sort(names.begin(), names.end());
        QVERIFY(template_names() == names);
        const std::vector<std::string> required = {"default", "empty", "alpaca", "chatml", "qwen",
                                                   "llama2",  "llama3", "mistral", "gemma"};
        for (const std::string& n : required) QVERIFY2(find_template(n)->name == n, n.c_str());
    }

    void renderedTextMatchesLlamaFactory() {
        for (const Expectation& e : kExpected) {
            const FakeTokenizer tok = tok_for(e.family);
            CHECK_STR(find_template(e.name)->render(kChat, "S", &tok), e.text, e.name);
        }
    }

    // The fake tokenizer is character-level, so tokenizing the expected text in one go gives the
    // ids a correct template must produce piece by piece: special tokens and BOS/EOS as their ids.
    void generationIdsMatchTheText() {
        for (const Expectation& e : kExpected) {
            const FakeTokenizer tok = tok_for(e.family);
            const std::vector<int32_t> ids = find_template(e.name)->encode_generation(tok, kChat, "S");
            QVERIFY2(ids == tok.encode(e.text), e.name);
        }
    }

    // LLaMA-Factory's ReasoningTemplate, and DeepSeek-R1's own template for history.
    void reasoningTemplates() {
        const FakeTokenizer tok = deepseek_tok();
        const ChatTemplate& r1 = *find_template("deepseekr1");
        QVERIFY(r1.reasoning() && !find_template("deepseek3")->reasoning());
        const std::string empty = "<think>\n\n</think>\n\n";
        CHECK_STR(r1.empty_thought(), empty, "empty thought");
        const std::string eos = "<｜end▁of▁sentence｜>";
        auto text = [&](const std::vector<int32_t>& ids) {
            std::string s;
            for (int32_t id : ids) s += id < 256 ? std::string(1, char(id)) : tok.id_to_token(id);
            return s;
        };
        // A response without a thought: the empty thought is learned (thinking on) or given (off).
        auto on = r1.encode_multiturn(tok, {{Role::User, "U1"}, {Role::Assistant, "A1"}}, "", true);
        CHECK_STR(text(on[0].response), empty + "A1" + eos, "thinking on, no thought");
        CHECK_STR(text(on[0].prompt), "<｜begin▁of▁sentence｜><｜User｜>U1<｜Assistant｜>", "prompt, thinking on");
        auto off = r1.encode_multiturn(tok, {{Role::User, "U1"}, {Role::Assistant, "A1"}}, "", false);
        CHECK_STR(text(off[0].response), "A1" + eos, "thinking off, no thought");
        CHECK_STR(text(off[0].prompt), "<｜begin▁of▁sentence｜><｜User｜>U1<｜Assistant｜>" + empty, "prompt, thinking off");
        // A response with its thought: learned as written (on), or stripped (off).
        const std::string thought = "<think>\nR1 reasons\n</think>\n\nA1";
        on = r1.encode_multiturn(tok, {{Role::User, "U1"}, {Role::Assistant, thought}}, "", true);
        CHECK_STR(text(on[0].response), thought + eos, "thinking on, with thought");
        off = r1.encode_multiturn(tok, {{Role::User, "U1"}, {Role::Assistant, thought}}, "", false);
        CHECK_STR(text(off[0].response), "A1" + eos, "thinking off, with thought");
        // Generation: history without thoughts; thinking off closes the prompt with the empty thought.
        const std::vector<Message> chat = {{Role::User, "U1"}, {Role::Assistant, thought}, {Role::User, "U2"}};
        const std::string want = "<｜begin▁of▁sentence｜><｜User｜>U1<｜Assistant｜>A1" + eos + "<｜User｜>U2<｜Assistant｜>";
        CHECK_STR(text(r1.encode_generation(tok, chat, "", true)), want, "generation, thinking on");
        CHECK_STR(text(r1.encode_generation(tok, chat, "", false)), want + empty, "generation, thinking off");
        CHECK_STR(r1.render(chat, "", &tok, false), want + empty, "render, thinking off");
        // The R1 tokenizers' template (it strips "</think>" thoughts) picks deepseekr1, V3's deepseek3.
        const FakeTokenizer r1_tok = deepseek_tok("{{'<｜User｜>' + m}}{{'<｜Assistant｜>'}}{% set c = c.split('</think>')[-1] %}");
        CHECK_STR(pick_template(&r1_tok, "qwen2"), "deepseekr1", "R1 distill tokenizer");

        // A reply split for display, finished and still streaming.
        ThoughtSplit t = split_thought("<think>\nweighing it\n</think>\n\nThe answer.");
        CHECK_STR(t.thought, "weighing it", "thought");
        CHECK_STR(t.answer, "The answer.", "answer");
        QVERIFY(!t.thinking);
        t = split_thought("still thinking</think>done");  // R1's prompt opened <think> itself
        CHECK_STR(t.thought, "still thinking", "thought without <think>");
        CHECK_STR(t.answer, "done", "answer after </think>");
        t = split_thought("<think>\nhalf way");
        QVERIFY(t.thinking);
        CHECK_STR(t.thought, "half way", "open thought");
        CHECK_STR(t.answer, "", "no answer yet");
        t = split_thought("plain reply");
        CHECK_STR(t.answer, "plain reply", "plain");
        QVERIFY(t.thought.empty() && !t.thinking);
    }

    void bosAndEosIdsSitWhereTheyBelong() {
        const FakeTokenizer l2 = llama2_tok();
        const int32_t bos = l2.id("<s>"), eos = l2.id("</s>");
        std::vector<int32_t> ids = find_template("llama2")->encode_generation(l2, kChat, "S");
        QCOMPARE(ids.front(), bos);
        QCOMPARE(std::count(ids.begin(), ids.end(), bos), 2L);  // one per [INST]
        QCOMPARE(std::count(ids.begin(), ids.end(), eos), 1L);  // after A1 only
        const auto at_eos = std::find(ids.begin(), ids.end(), eos);
        QVERIFY(at_eos[-2] == 'A' && at_eos[-1] == '1' && at_eos[1] == bos);

        ids = find_template("mistral")->encode_generation(l2, kChat, "S");
        QCOMPARE(std::count(ids.begin(), ids.end(), bos), 1L);  // BOS once, as the prefix
        QCOMPARE(ids.front(), bos);

        const FakeTokenizer l3 = llama3_tok();
        ids = find_template("llama3")->encode_generation(l3, kChat, "S");
        QCOMPARE(ids.front(), l3.id("<|begin_of_text|>"));
        QCOMPARE(std::count(ids.begin(), ids.end(), l3.id("<|eot_id|>")), 4L);  // S, U1, A1, U2
        QCOMPARE(std::count(ids.begin(), ids.end(), l3.id("<|end_of_text|>")), 0L);

        const FakeTokenizer g = gemma_tok();
        ids = find_template("gemma")->encode_generation(g, kChat, "S");
        QCOMPARE(ids.front(), g.id("<bos>"));
        QCOMPARE(std::count(ids.begin(), ids.end(), g.id("<eos>")), 0L);
        QCOMPARE(std::count(ids.begin(), ids.end(), g.id("<end_of_turn>")), 3L);
    }

    void multiturnPairsSplitPromptAndResponse() {
        const FakeTokenizer q = qwen_tok();
        std::vector<EncodedTurn> turns = find_template("chatml")->encode_multiturn(q, kTwoTurns, "S");
        QCOMPARE(turns.size(), size_t(2));
        QVERIFY(turns[0].prompt ==
                q.encode("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\n"));
        QVERIFY(turns[0].response == q.encode("A1<|im_end|>\n"));
        QVERIFY(turns[1].prompt == q.encode("<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n"));
        QVERIFY(turns[1].response == q.encode("A2<|im_end|>\n"));
        // The end-of-turn token the model learns is the one generation stops on.
        QCOMPARE(turns[1].response[2], find_template("chatml")->eos_id(q));

        const FakeTokenizer l2 = llama2_tok();
        turns = find_template("llama2")->encode_multiturn(l2, kTwoTurns, "S");
        QVERIFY(turns[0].prompt == l2.encode("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU1 [/INST]"));
        QVERIFY(turns[0].response == l2.encode("A1</s>"));
        QVERIFY(turns[1].prompt == l2.encode("<s>[INST] U2 [/INST]"));
        QCOMPARE(turns[1].response.back(), l2.id("</s>"));

        turns = find_template("default")->encode_multiturn(l2, kTwoTurns, "");
        QVERIFY(turns[0].prompt == l2.encode("Human: U1</s>\nAssistant:"));
        QVERIFY(turns[1].response == l2.encode("A2</s>\n"));

        // Pairs laid end to end are the generation prompt plus the last answer.
        const std::vector<Message> three(kTwoTurns.begin(), kTwoTurns.begin() + 3);
        const FakeTokenizer l3 = llama3_tok();
        turns = find_template("llama3")->encode_multiturn(l3, kTwoTurns, "S");
        QVERIFY(concat_ids(concat_ids(turns[0].prompt, turns[0].response), turns[1].prompt) ==
                find_template("llama3")->encode_generation(l3, three, "S"));
    }

    void everyResponseTeachesTheModelToStop() {
        for (const Expectation& e : kExpected) {
            if (std::string(e.name) == "empty") continue;  // by design: nothing ends a turn
            const ChatTemplate* t = find_template(e.name);
            const FakeTokenizer tok = tok_for(e.family);
            const std::vector<int32_t> stops = t->stop_criteria(tok).token_ids;
            for (const EncodedTurn& turn : t->encode_multiturn(tok, kTwoTurns, "S")) {
                const bool stops_there = std::any_of(turn.response.begin(), turn.response.end(), [&](int32_t id) {
                    return std::find(stops.begin(), stops.end(), id) != stops.end();
                });
                QVERIFY2(stops_there, e.name);
            }
        }
    }

    void mistralFoldsTheSystemIntoTheFirstTurnOnly() {
        const FakeTokenizer l2 = llama2_tok();
        const ChatTemplate* m = find_template("mistral");
        const std::vector<EncodedTurn> turns = m->encode_multiturn(l2, kTwoTurns, "Be brief.");
        QVERIFY(turns[0].prompt == l2.encode("<s>[INST] Be brief.\n\nU1[/INST]"));
        QVERIFY(turns[0].response == l2.encode(" A1</s>"));
        QVERIFY(turns[1].prompt == l2.encode("[INST] U2[/INST]"));
        CHECK_STR(m->render(kChat, "", &l2), "<s>[INST] U1[/INST] A1</s>[INST] U2[/INST]", "mistral, no system");
        CHECK_STR(find_template("llama2")->render(kChat, "", &l2), "<s>[INST] U1 [/INST]A1</s><s>[INST] U2 [/INST]",
                  "llama2, no system");
    }

    void emptySystemUsesTheDefaultSystem() {
        const FakeTokenizer q = qwen_tok(), l2 = llama2_tok(), l3 = llama3_tok();
        CHECK_STR(find_template("qwen")->render(kChat, "", &q),
                  "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                  "<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n"
                  "<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n",
                  "qwen");
        CHECK_STR(find_template("alpaca")->render(kChat, "", &l2),
                  "Below is an instruction that describes a task. Write a response that appropriately completes the "
                  "request.\n\n### Instruction:\nU1\n\n### Response:\nA1</s>\n\n### Instruction:\nU2\n\n### Response:\n",
                  "alpaca");
        CHECK_STR(find_template("vicuna")->render({{Role::User, "U1"}}, "", &l2),
                  "A chat between a curious user and an artificial intelligence assistant. The assistant gives "
                  "helpful, detailed, and polite answers to the user's questions.USER: U1 ASSISTANT:",
                  "vicuna");
        CHECK_STR(find_template("zephyr")->render({{Role::User, "U1"}}, "", &l2),
                  "<|system|>\nYou are Zephyr, a helpful assistant.</s><|user|>\nU1</s><|assistant|>\n", "zephyr");
        // No default system: no system block at all.
        CHECK_STR(find_template("chatml")->render({{Role::User, "U1"}}, "", &q),
                  "<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\n", "chatml");
        CHECK_STR(find_template("llama3")->render({{Role::User, "U1"}}, "", &l3),
                  "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nU1<|eot_id|>"
                  "<|start_header_id|>assistant<|end_header_id|>\n\n",
                  "llama3");
        CHECK_STR(find_template("default")->render({{Role::User, "U1"}}, "", &l2), "Human: U1</s>\nAssistant:",
                  "default");
        // A leading system message is the system prompt and wins over the argument.
        CHECK_STR(find_template("chatml")->render({{Role::System, "X"}, {Role::User, "U1"}}, "S", &q),
                  "<|im_start|>system\nX<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\n",
                  "chatml, system message");
    }

    // LLaMA-Factory tokenizes each slot element on its own; SentencePiece output depends on it.
    void slotsAreCutIntoTokenizerCallsAsLlamaFactoryDoes() {
        const FakeTokenizer l2 = llama2_tok();
        const std::vector<Message> one = {{Role::User, "U1"}, {Role::Assistant, "A1"}};
        find_template("default")->encode_multiturn(l2, one, "S");
        QVERIFY(l2.calls == std::vector<std::string>({"System: S", "\n", "Human: U1", "\nAssistant:", "A1", "\n"}));

        l2.calls.clear();
        find_template("llama2")->encode_multiturn(l2, one, "S");
        QVERIFY(l2.calls == std::vector<std::string>({"[INST] <<SYS>>\nS\n<</SYS>>\n\nU1 [/INST]", "A1"}));

        const FakeTokenizer l3 = llama3_tok();
        find_template("llama3")->encode_multiturn(l3, one, "S");
        QVERIFY(l3.calls == std::vector<std::string>(
                                {"<|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>",
                                 "<|start_header_id|>user<|end_header_id|>\n\nU1<|eot_id|>"
                                 "<|start_header_id|>assistant<|end_header_id|>\n\n",
                                 "A1<|eot_id|>"}));
    }

    void markersWithoutTokenizerOrWithoutBos() {
        CHECK_STR(find_template("llama2")->render(kChat, "S"),
                  "{{bos_token}}[INST] <<SYS>>\nS\n<</SYS>>\n\nU1 [/INST]A1{{eos_token}}{{bos_token}}[INST] U2 [/INST]",
                  "llama2 without tokenizer");
        // Qwen's tokenizer has no BOS: the marker yields nothing, as in LLaMA-Factory.
        const FakeTokenizer q = qwen_tok();
        CHECK_STR(find_template("llama2")->render(kChat, "", &q), "[INST] U1 [/INST]A1<|endoftext|>[INST] U2 [/INST]",
                  "llama2 on a tokenizer without BOS");
        const std::vector<int32_t> ids = find_template("llama2")->encode_generation(q, kChat);
        QCOMPARE(ids.front(), int32_t('['));
    }

    void messageTextIsNeverReadAsMarkers() {
        const FakeTokenizer l2 = llama2_tok();
        const std::vector<Message> chat = {{Role::User, "say {{eos_token}} and {{content}}"}};
        CHECK_STR(find_template("default")->render(chat, "", &l2),
                  "Human: say {{eos_token}} and {{content}}</s>\nAssistant:", "markers in content");
        const std::vector<int32_t> ids = find_template("default")->encode_generation(l2, chat);
        QCOMPARE(std::count(ids.begin(), ids.end(), l2.id("</s>")), 1L);
    }

    void missingEosIsAConfigError() {
        const FakeTokenizer none({"<|im_start|>", "<|im_end|>"}, "", "");
        const std::string msg = error_of([&] { find_template("default")->encode_generation(none, kChat); });
        CHECK_STR(msg,
                  "chat template 'default' ends turns with {{eos_token}}, but the tokenizer in /models/fake has no EOS "
                  "token (no eos_token in tokenizer_config.json, no <|endoftext|>); pick a template whose slots write "
                  "their end-of-turn token out, or fix the tokenizer",
                  "no EOS");
        QVERIFY(error_of([&] { find_template("vicuna")->render(kChat, "", &none); }).find("has no EOS") !=
                std::string::npos);
        // chatml writes <|im_end|> out and makes it the EOS: no tokenizer EOS needed.
        QCOMPARE(find_template("chatml")->eos_id(none), none.id("<|im_end|>"));
        QVERIFY(!find_template("chatml")->encode_generation(none, kChat).empty());
        // LLaMA-Factory's last resort: <|endoftext|> when the tokenizer names no EOS.
        const FakeTokenizer endoftext({"<|endoftext|>"}, "", "");
        QCOMPARE(find_template("default")->eos_id(endoftext), endoftext.id("<|endoftext|>"));
    }

    void replaceEosAndStopCriteria() {
        const FakeTokenizer l3 = llama3_tok();
        const ChatTemplate* llama3 = find_template("llama3");
        QCOMPARE(llama3->eos_id(l3), l3.id("<|eot_id|>"));
        StopCriteria s = llama3->stop_criteria(l3);
        QVERIFY(s.token_ids == std::vector<int32_t>({l3.id("<|eot_id|>"), l3.id("<|end_of_text|>"), l3.id("<|eom_id|>")}));
        QVERIFY(s.strings.empty());

        const FakeTokenizer q = qwen_tok();
        s = find_template("chatml")->stop_criteria(q);
        QVERIFY(s.token_ids ==
                std::vector<int32_t>({q.id("<|im_end|>"), q.id("<|endoftext|>"), q.id("<|im_start|>")}));
        s = find_template("qwen")->stop_criteria(q);
        QVERIFY(s.token_ids == std::vector<int32_t>({q.id("<|im_end|>"), q.id("<|endoftext|>")}));

        // chatml on a vocabulary without its tokens: the EOS stays the tokenizer's, stop words become strings.
        const FakeTokenizer l2 = llama2_tok();
        QCOMPARE(find_template("chatml")->eos_id(l2), l2.id("</s>"));
        s = find_template("chatml")->stop_criteria(l2);
        QVERIFY(s.token_ids == std::vector<int32_t>({l2.id("</s>")}));
        QVERIFY(s.strings == std::vector<std::string>({"<|im_end|>", "<|im_start|>"}));

        s = find_template("default")->stop_criteria(l2);
        QVERIFY(s.token_ids == std::vector<int32_t>({l2.id("</s>")}) && s.strings.empty());

        const FakeTokenizer g = gemma_tok();
        QCOMPARE(find_template("gemma")->eos_id(g), g.id("<end_of_turn>"));
        QVERIFY(find_template("gemma")->stop_criteria(g).token_ids ==
                std::vector<int32_t>({g.id("<end_of_turn>"), g.id("<eos>")}));
    }

    void toolTurnsUseObservationAndFunctionSlots() {
        const FakeTokenizer q = qwen_tok();
        const std::vector<Message> chat = {{Role::User, "U1"},
                                           {Role::Function, "{\"name\": \"f\"}"},
                                           {Role::Observation, "42"},
                                           {Role::Assistant, "A1"}};
        CHECK_STR(find_template("qwen")->render(chat, "S", &q),
                  "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\n"
                  "{\"name\": \"f\"}<|im_end|>\n<|im_start|>user\n<tool_response>\n42\n</tool_response><|im_end|>\n"
                  "<|im_start|>assistant\nA1<|im_end|>\n",
                  "qwen tools");
        // Templates without an observation slot reuse the user slot.
        const FakeTokenizer l2 = llama2_tok();
        CHECK_STR(find_template("default")->render({{Role::Observation, "42"}}, "", &l2),
                  "Human: 42</s>\nAssistant:", "default observation");
    }

    void customTemplatesUseTheSeparator() {
        ChatTemplate t{"mine", {"", "{{content}}\n", "Q: {{content}}\nA:", " {{content}}{{eos_token}}", "", "", "\n"},
                       "", {}, false, false, false};
        const FakeTokenizer l2 = llama2_tok();
        CHECK_STR(t.render(kChat, "S", &l2), "S\nQ: U1\nA: A1</s>\nQ: U2\nA:", "separator");
        const std::vector<EncodedTurn> turns = t.encode_multiturn(l2, kTwoTurns, "S");
        QVERIFY(turns[1].prompt == l2.encode("\nQ: U2\nA:"));  // the separator opens the next prompt

        t.fold_system = true;
        t.format.system = "{{bos_token}}{{content}}";
        CHECK_STR(error_of([&] { t.render(kChat, "S", &l2); }),
                  "chat template 'mine' folds the system prompt into the first user turn, so its system slot must "
                  "be plain text, but it holds a {{bos_token}}/{{eos_token}} marker: '{{bos_token}}{{content}}'",
                  "fold with marker");
    }

    void malformedConversationsSayWhere() {
        const ChatTemplate* t = find_template("chatml");
        const FakeTokenizer q = qwen_tok();
        CHECK_STR(error_of([&] { t->render({}, ""); }), "the conversation has no user or assistant turn", "empty");
        CHECK_STR(error_of([&] { t->render({{Role::System, "S"}}, ""); }),
                  "the conversation has no user or assistant turn", "system only");
        CHECK_STR(error_of([&] { t->render({{Role::Assistant, "A"}}, ""); }),
                  "messages[0] is 'assistant' where a user or observation turn belongs (turns alternate "
                  "user/observation, then assistant/function)",
                  "assistant first");
        CHECK_STR(error_of([&] { t->render({{Role::System, "S"}, {Role::User, "U"}, {Role::User, "U"}}, ""); }),
                  "messages[2] is 'user' where an assistant or function turn belongs (turns alternate "
                  "user/observation, then assistant/function)",
                  "two user turns");
        CHECK_STR(error_of([&] { t->render({{Role::User, "U"}, {Role::System, "S"}}, ""); }),
                  "messages[1] is a system message; only messages[0] may be the system prompt", "late system");
        CHECK_STR(error_of([&] { t->encode_multiturn(q, kChat); }),
                  "messages[2] is the last message and not an assistant turn; training needs the conversation to "
                  "end with an assistant or function turn",
                  "training ends on user");
        CHECK_STR(error_of([&] { t->encode_generation(q, kTwoTurns); }),
                  "messages[3] is the last message and an assistant turn; a generation prompt needs the "
                  "conversation to end with a user or observation turn",
                  "generation ends on assistant");
    }

    void rolesParseByNameAndAlias() {
        const std::pair<const char*, Role> names[] = {
            {"system", Role::System},       {"user", Role::User},           {"assistant", Role::Assistant},
            {"observation", Role::Observation}, {"function", Role::Function}, {"human", Role::User},
            {"gpt", Role::Assistant},       {"tool", Role::Observation},    {"function_call", Role::Function}};
        for (const auto& [name, role] : names) QVERIFY2(parse_role(name) == role, name);
        for (Role r : {Role::System, Role::User, Role::Assistant, Role::Observation, Role::Function})
            QVERIFY(parse_role(role_name(r)) == r);
        QVERIFY(!parse_role("User"));
    }

    void unknownTemplateListsTheKnownOnes() {
        CHECK_STR(error_of([] { find_template("llama-3"); }),
                  "unknown chat template 'llama-3' (known templates: alpaca, chatml, deepseek3, deepseekr1, default, empty, gemma, "
                  "llama2, llama3, mistral, phi, phi4, phi4_mini, qwen, qwen3, smollm2, vicuna, zephyr)",
                  "unknown template");
        bool config_error = false;
        try {
            find_template("");
        } catch (const ConfigError&) {
            config_error = true;
        }
        QVERIFY(config_error);
    }

    // What LLaMA-Factory's own classes imply about the table.
    void tableIsConsistent() {
        for (const ChatTemplate& t : builtin_templates()) {
            const char* n = t.name.c_str();
            QVERIFY2(t.format.user.find("{{content}}") != std::string::npos, n);
            QVERIFY2(t.format.assistant.find("{{content}}") != std::string::npos, n);
            if (t.fold_system) QVERIFY2(t.format.system.find("{{bos_token}}") == std::string::npos &&
                                            t.format.system.find("{{eos_token}}") == std::string::npos, n);
            if (t.replace_eos) {
                QVERIFY2(!t.stop_words.empty(), n);
                // The first stop word is the end-of-turn token the assistant slot writes after the answer.
                QVERIFY2(t.format.assistant.rfind("{{content}}" + t.stop_words[0], 0) == 0, n);
            }
            QVERIFY2(!t.efficient_eos, n);
        }
    }

    void pickFromChatTemplateMarkers() {
        struct Case {
            const char* jinja;
            const char* model_type;
            const char* want;
        };
        // Excerpts of real chat_template strings.
        const Case cases[] = {
            {"{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
             "assistant.<|im_end|>\\n' }}{%- endif %}",
             "", "qwen"},
            {"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
             "'<|im_end|>' + '\\n'}}{% endfor %}",
             "qwen2", "qwen"},
            {"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
             "'<|im_end|>' + '\\n'}}{% endfor %}",
             "mistral", "chatml"},  // the chat template beats model_type
            {"{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ "
             "message['content'] | trim + '<|eot_id|>' %}",
             "llama", "llama3"},
            {"{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + "
             "'\\n<</SYS>>\\n\\n' + message['content'] %}{% endif %}{{ bos_token + '[INST] ' + content.strip() + "
             "' [/INST]' }}",
             "llama", "llama2"},
            {"{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + "
             "message['content'] + ' [/INST]' }}{% endif %}{% endfor %}",
             "mistral", "mistral"},
            {"{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + role + '\\n' + "
             "message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}",
             "gemma", "gemma"},
            // Phi-3 (the newline after the role tag as Jinja's escape or as a character), Phi-4-mini (no
            // newline), Phi-4 (<|im_sep|>), SmolLM2 (ChatML with its default system prompt).
            {"{% for message in messages %}{% if message['role'] == 'user' %}{{'<|user|>\\n' + message['content'] + "
             "'<|end|>\\n'}}{% endif %}{% endfor %}{{ '<|assistant|>\\n' }}",
             "phi3", "phi"},
            {"{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{{ '<|assistant|>\n' }}", "phi3", "phi"},
            {"{% for message in messages %}{{ '<|' + message['role'] + '|>' + message['content'] + '<|end|>' }}"
             "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}",
             "phi3", "phi4_mini"},
            {"{% for message in messages %}{{'<|im_start|>' + message['role'] + '<|im_sep|>' + message['content'] + "
             "'<|im_end|>'}}{% endfor %}",
             "phi3", "phi4"},
            {"{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}",
             "llama", "smollm2"},
            {"{{ messages }}", "gpt2", "default"},
        };
        for (const Case& c : cases) {
            const FakeTokenizer tok = qwen_tok(c.jinja);
            CHECK_STR(pick_template(&tok, c.model_type), c.want, c.jinja);
            QVERIFY(find_template(pick_template(&tok, c.model_type)));
        }
    }

    void pickFromModelType() {
        const FakeTokenizer l3 = llama3_tok(), l2 = llama2_tok();
        CHECK_STR(pick_template(&l3, "llama"), "llama3", "llama with <|eot_id|>");
        CHECK_STR(pick_template(&l2, "llama"), "llama2", "llama without <|eot_id|>");
        CHECK_STR(pick_template(nullptr, "llama"), "llama2", "llama, no tokenizer");
        const std::pair<const char*, const char*> cases[] = {
            {"qwen2", "qwen"},      {"qwen2_moe", "qwen"},   {"qwen3", "chatml"}, {"mistral", "mistral"},
            {"mixtral", "mistral"}, {"gemma", "gemma"},      {"gemma2", "gemma"}, {"gemma3_text", "gemma"},
            {"phi3", "phi"},        {"gpt2", "default"},    {"", "default"},
        };
        for (const auto& [model_type, want] : cases) {
            CHECK_STR(pick_template(nullptr, model_type), want, model_type);
            CHECK_STR(pick_template(&l2, model_type), want, model_type);  // no chat_template
        }
    }

    // DeepSeek-V3's real tokenizer: the template picks itself from the shipped chat_template, BOS opens
    // the ids, each marker is one special token, every answer ends with EOS, and the ids decode to the
    // text DeepSeek's chat_template writes.
    void deepseekOnItsRealTokenizer() {
        const std::string dir = test::shared_tokenizer_dir("deepseek_v3");
        if (dir.empty()) QSKIP("../shared/tokenizers/deepseek_v3 is absent (set LATHE_SHARED_DIR)");
        const auto tok = Tokenizer::from_dir(dir);
        CHECK_STR(pick_template(tok.get(), "qwen2"), "deepseek3", dir);
        const ChatTemplate& t = *find_template("deepseek3");
        const std::vector<int32_t> ids = t.encode_generation(*tok, kChat, "S");
        QCOMPARE(ids.front(), tok->special().bos_id);
        const int32_t user = tok->token_to_id("<｜User｜>"), assistant = tok->token_to_id("<｜Assistant｜>");
        QVERIFY(user >= 0 && assistant >= 0);
        QCOMPARE(std::count(ids.begin(), ids.end(), user), std::ptrdiff_t(2));
        QCOMPARE(std::count(ids.begin(), ids.end(), assistant), std::ptrdiff_t(2));
        QCOMPARE(std::count(ids.begin(), ids.end(), tok->special().eos_id), std::ptrdiff_t(1));
        QCOMPARE(ids.back(), assistant);
        CHECK_STR(tok->decode(ids), "<｜begin▁of▁sentence｜>S<｜User｜>U1<｜Assistant｜>A1<｜end▁of▁sentence｜><｜User｜>U2<｜Assistant｜>",
                  dir);
        const auto turns = t.encode_multiturn(*tok, {kChat[0], kChat[1]}, "S");
        QCOMPARE(turns.size(), size_t(1));
        QCOMPARE(turns[0].response.back(), tok->special().eos_id);  // the model learns to stop
    }

    // The chat_template strings shipped with the shared test tokenizers.
    void pickFromSharedTokenizerConfigs() {
        const std::string l3_dir = test::shared_tokenizer_dir("llama3");
        const std::string q3_dir = test::shared_tokenizer_dir("qwen3");
        if (l3_dir.empty() || q3_dir.empty()) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
        const auto jinja = [](const std::string& dir) {
            return read_json_file(dir + "/tokenizer_config.json").at("chat_template").get<std::string>();
        };
        const FakeTokenizer l3 = llama3_tok(jinja(l3_dir));
        CHECK_STR(pick_template(&l3, "llama"), "llama3", l3_dir);
        const FakeTokenizer q3 = qwen_tok(jinja(q3_dir));
        CHECK_STR(pick_template(&q3, "qwen3"), "chatml", q3_dir);  // Qwen3 has no "You are Qwen" default
        CHECK_STR(pick_template(&q3, "qwen2"), "qwen", q3_dir);
        const std::string ds_dir = test::shared_tokenizer_dir("deepseek_v3");
        if (ds_dir.empty()) QSKIP("../shared/tokenizers/deepseek_v3 is absent (set LATHE_SHARED_DIR)");
        const FakeTokenizer ds = deepseek_tok(jinja(ds_dir));
        CHECK_STR(pick_template(&ds, "deepseek_v3"), "deepseek3", ds_dir);
        CHECK_STR(pick_template(&ds, "qwen2"), "deepseek3", ds_dir);  // an R1 distill of Qwen2.5
    }
};

LATHE_TEST(TestTemplate)
#include "test_template.moc"
