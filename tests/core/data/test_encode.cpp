// Encoding against LLaMA-Factory v0.9.x (data/processors/supervised.py, pairwise.py, pretrain.py,
// processor_utils.infer_seqlen) with the real Llama 3, Qwen 3 and Llama 2 tokenizers and the built-in
// templates. Where a test needs LLaMA-Factory's algorithm itself, it is ported line by line below
// (lf_infer_seqlen, lf_supervised) and the engine is compared against the port.
#include "tests/registry.h"

#include "core/data/encode.h"
#include "core/data/template.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <QtTest>

#include <algorithm>
#include <array>
#include <memory>

using namespace lathe;

namespace {

using Ids = std::vector<int32_t>;

// processor_utils.infer_seqlen, as Python computes it: int(cutoff_len * (target_len / (source_len + target_len))).
std::pair<size_t, size_t> lf_infer_seqlen(size_t source_len, size_t target_len, size_t cutoff_len) {
    size_t max_target_len;
    if (target_len * 2 < cutoff_len) max_target_len = cutoff_len;
    else if (source_len * 2 < cutoff_len) max_target_len = cutoff_len - source_len;
    else max_target_len = static_cast<size_t>(static_cast<double>(cutoff_len) *
                                              (static_cast<double>(target_len) / static_cast<double>(source_len + target_len)));
    const size_t new_target_len = std::min(max_target_len, target_len);
    const size_t max_source_len = cutoff_len > new_target_len ? cutoff_len - new_target_len : 0;
    return {std::min(max_source_len, source_len), new_target_len};
}

// supervised._encode_supervised_example (no multimodal tokens, no efficient_eos).
std::pair<Ids, Ids> lf_supervised(std::vector<EncodedTurn> pairs, size_t cutoff_len, bool train_on_prompt,
                                  bool mask_history) {
    Ids input_ids, labels;
    size_t total_length = 0;
    if (mask_history) std::reverse(pairs.begin(), pairs.end());
    for (size_t turn_idx = 0; turn_idx < pairs.size(); ++turn_idx) {
        if (total_length >= cutoff_len) break;
        auto [source_len, target_len] =
            lf_infer_seqlen(pairs[turn_idx].prompt.size(), pairs[turn_idx].response.size(), cutoff_len - total_length);
        Ids source_ids(pairs[turn_idx].prompt.begin(), pairs[turn_idx].prompt.begin() + source_len);
        Ids target_ids(pairs[turn_idx].response.begin(), pairs[turn_idx].response.begin() + target_len);
        total_length += source_len + target_len;
        Ids source_label = train_on_prompt ? source_ids : Ids(source_len, kIgnoreIndex);
        Ids target_label = (mask_history && turn_idx != 0) ? Ids(target_len, kIgnoreIndex) : target_ids;
        Ids ids = source_ids, lab = source_label;
        ids.insert(ids.end(), target_ids.begin(), target_ids.end());
        lab.insert(lab.end(), target_label.begin(), target_label.end());
        if (mask_history) {
            input_ids.insert(input_ids.begin(), ids.begin(), ids.end());
            labels.insert(labels.begin(), lab.begin(), lab.end());
        } else {
            input_ids.insert(input_ids.end(), ids.begin(), ids.end());
            labels.insert(labels.end(), lab.begin(), lab.end());
        }
    }
    return {input_ids, labels};
}

Ids concat(Ids a, const Ids& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

Sample chat(std::vector<std::string> turns, const std::string& system = "", const std::string& source = "toy.json#0") {
    Sample s;
    s.kind = SampleKind::Chat;
    s.system = system;
    s.source = source;
    for (size_t i = 0; i + 1 < turns.size(); ++i)
        s.prompt.push_back({i % 2 == 0 ? Role::User : Role::Assistant, turns[i]});
    s.response.push_back({Role::Assistant, turns.back()});
    return s;
}

Sample text(const std::string& t, const std::string& source) {
    Sample s;
    s.kind = SampleKind::Text;
    s.text = t;
    s.source = source;
    return s;
}

std::string words(int n, const std::string& seed) {
    std::string out;
    for (int i = 0; i < n; ++i) out += (i ? " " : "") + seed + std::to_string(i * 7 % 13);
    return out;
}

std::vector<Message> messages_of(const Sample& s) {
    auto m = s.prompt;
    m.insert(m.end(), s.response.begin(), s.response.end());
    return m;
}

int64_t trained(const Ids& labels) {
    return std::count_if(labels.begin(), labels.end(), [](int32_t l) { return l != kIgnoreIndex; });
}

}  // namespace

class TestEncode : public QObject {
    Q_OBJECT

    std::unique_ptr<Tokenizer> llama3_, qwen3_, llama2_;

private slots:
    void initTestCase() {
        auto load = [](const char* name) -> std::unique_ptr<Tokenizer> {
            const std::string dir = lathe::test::shared_tokenizer_dir(name);
            return dir.empty() ? nullptr : Tokenizer::from_dir(dir);
        };
        llama3_ = load("llama3");
        qwen3_ = load("qwen3");
        llama2_ = load("llama2");
    }

    void inferSeqlenMatchesLlamaFactory() {
        // LLaMA-Factory's own test table (tests/data/test_formatter... test_infer_seqlen).
        const std::vector<std::array<size_t, 5>> table = {
            {3000, 2000, 1000, 600, 400}, {2000, 3000, 1000, 400, 600}, {1000, 100, 1000, 900, 100},
            {100, 1000, 1000, 100, 900},  {100, 500, 1000, 100, 500},   {500, 100, 1000, 500, 100},
            {10, 10, 1000, 10, 10},
            // Python rounds target / (source + target) before multiplying: 22 * (30 / 44) = 14.999..., so 14.
            {14, 30, 22, 8, 14},
        };
        for (const auto& r : table) {
            const auto got = infer_seqlen(r[0], r[1], r[2]);
            QCOMPARE(got.first, r[3]);
            QCOMPARE(got.second, r[4]);
        }
        // And everywhere on a grid against the port.
        for (size_t cutoff = 1; cutoff <= 64; ++cutoff)
            for (size_t s = 0; s <= 96; ++s)
                for (size_t t = 0; t <= 96; ++t) {
                    if (s + t == 0) continue;
                    const auto got = infer_seqlen(s, t, cutoff), want = lf_infer_seqlen(s, t, cutoff);
                    if (got != want)
                        QFAIL(qPrintable(QString("infer_seqlen(%1, %2, %3) = (%4, %5), LLaMA-Factory gives (%6, %7)")
                                             .arg(s).arg(t).arg(cutoff).arg(got.first).arg(got.second)
                                             .arg(want.first).arg(want.second)));
                    QVERIFY(got.first + got.second <= cutoff);
                }
    }

    void sftMasksPromptAndTrainsResponseWithEndOfTurn() {
        if (!llama3_) QSKIP("shared tokenizers absent (set LATHE_SHARED_DIR)");
        const Tokenizer& tok = *llama3_;
        const ChatTemplate& tmpl = *find_template("llama3");
        const Sample s = chat({"What is the capital of France?", "The capital of France is Paris."});
        const Example e = encode_supervised(s, tmpl, tok, EncodeOptions{});
        // The layout written out by hand (compat notes), tokenized in one go.
        const Ids prompt = tok.encode(
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
        const Ids response = tok.encode("The capital of France is Paris.<|eot_id|>");
        QCOMPARE(e.input_ids, concat(prompt, response));
        QCOMPARE(e.labels, concat(Ids(prompt.size(), kIgnoreIndex), response));
        QCOMPARE(e.labels.back(), tok.token_to_id("<|eot_id|>"));  // the model learns to stop
        QCOMPARE(e.input_ids.front(), tok.token_to_id("<|begin_of_text|>"));
        QCOMPARE(e.label_count(), static_cast<int64_t>(response.size()));
        QCOMPARE(e.source, std::string("toy.json#0"));

        EncodeOptions on_prompt;
        on_prompt.train_on_prompt = true;
        const Example p = encode_supervised(s, tmpl, tok, on_prompt);
        QCOMPARE(p.input_ids, e.input_ids);
        QCOMPARE(p.labels, p.input_ids);
    }

    void multiTurnTrainsEveryResponseUnlessMaskHistory() {
        if (!qwen3_) QSKIP("shared tokenizers absent (set LATHE_SHARED_DIR)");
        const Tokenizer& tok = *qwen3_;
        const ChatTemplate& tmpl = *find_template("chatml");
        const Sample s = chat({"Hi", "Hello! How can I help?", "Name a colour.", "Blue.", "Another one?", "Green."},
                              "Be brief.");
        // chatml's assistant slot is "{{content}}<|im_end|>\n": the response ends with the end-of-turn
        // token and the newline after it.
        const std::string im_end = "<|im_end|>";
        const Ids sys_u1 = tok.encode("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                                      "<|im_start|>assistant\n");
        const Ids a1 = tok.encode("Hello! How can I help?" + im_end + "\n");
        const Ids u2 = tok.encode("<|im_start|>user\nName a colour.<|im_end|>\n<|im_start|>assistant\n");
        const Ids a2 = tok.encode("Blue." + im_end + "\n");
        const Ids u3 = tok.encode("<|im_start|>user\nAnother one?<|im_end|>\n<|im_start|>assistant\n");
        const Ids a3 = tok.encode("Green." + im_end + "\n");
        const Ids all = concat(concat(concat(concat(concat(sys_u1, a1), u2), a2), u3), a3);

        const Example e = encode_supervised(s, tmpl, tok, EncodeOptions{});
        QCOMPARE(e.input_ids, all);
        Ids want;
        for (const auto* part : {&sys_u1, &a1, &u2, &a2, &u3, &a3}) {
            const bool response = part == &a1 || part == &a2 || part == &a3;
            want = concat(want, response ? *part : Ids(part->size(), kIgnoreIndex));
        }
        QCOMPARE(e.labels, want);

        EncodeOptions mh;
        mh.mask_history = true;
        const Example m = encode_supervised(s, tmpl, tok, mh);
        QCOMPARE(m.input_ids, all);  // the same tokens, only the labels change
        QCOMPARE(m.labels, concat(Ids(all.size() - a3.size(), kIgnoreIndex), a3));
        QCOMPARE(m.labels[m.labels.size() - 2], tok.token_to_id(im_end));
    }

    void maskHistoryKeepsTheLastTurnsUnderCutoff() {
        if (!qwen3_) QSKIP("shared tokenizers absent (set LATHE_SHARED_DIR)");
        const Tokenizer& tok = *qwen3_;
        const ChatTemplate& tmpl = *find_template("chatml");
        const Sample s = chat({"first question", "first answer", "second question", "second answer", "third question",
                               "third answer"});
        const auto pairs = tmpl.encode_multiturn(tok, messages_of(s));
        QCOMPARE(pairs.size(), size_t(3));
        const size_t last = pairs[2].prompt.size() + pairs[2].response.size();
        const size_t two = last + pairs[1].prompt.size() + pairs[1].response.size();

        EncodeOptions o;
        o.mask_history = true;
        o.cutoff_len = static_cast<int>(two);  // room for the last two turns only
        const Example m = encode_supervised(s, tmpl, tok, o);
        QCOMPARE(m.input_ids, concat(concat(concat(pairs[1].prompt, pairs[1].response), pairs[2].prompt), pairs[2].response));
        QCOMPARE(trained(m.labels), static_cast<int64_t>(pairs[2].response.size()));

        // Without mask_history the first turns have priority and every kept response is trained.
        o.mask_history = false;
        const Example f = encode_supervised(s, tmpl, tok, o);
        QCOMPARE(f.input_ids, concat(concat(concat(pairs[0].prompt, pairs[0].response), pairs[1].prompt), pairs[1].response));
        QCOMPARE(trained(f.labels), static_cast<int64_t>(pairs[0].response.size() + pairs[1].response.size()));
    }

    void cutoffTruncationEqualsLlamaFactoryAtEveryLength() {
        if (!llama3_) QSKIP("shared tokenizers absent (set LATHE_SHARED_DIR)");
        const Tokenizer& tok = *llama3_;
        const ChatTemplate& tmpl = *find_template("llama3");
        const Sample s = chat({words(30, "q"), words(12, "a"), words(5, "u"), words(40, "r"), words(20, "x"), words(9, "y")},
                              "You are terse.");
        const auto pairs = tmpl.encode_multiturn(tok, messages_of(s), s.system);
        size_t full = 0;
        for (const auto& p : pairs) full += p.prompt.size() + p.response.size();
        for (bool on_prompt : {false, true})
            for (bool mask_history : {false, true})
                for (size_t cutoff = 4; cutoff <= full + 3; ++cutoff) {
                    EncodeOptions o;
                    o.cutoff_len = static_cast<int>(cutoff);
                    o.train_on_prompt = on_prompt;
                    o.mask_history = mask_history;
                    bool truncated = false;
                    size_t full_length = 0;
                    const Example e = encode_supervised(s, tmpl, tok, o, &truncated, &full_length);
                    const auto [ids, labels] = lf_supervised(pairs, cutoff, on_prompt, mask_history);
                    const QString at = QString("cutoff %1, train_on_prompt %2, mask_history %3")
                                           .arg(cutoff).arg(on_prompt).arg(mask_history);
                    QVERIFY2(e.input_ids == ids, qPrintable(at));
                    QVERIFY2(e.labels == labels, qPrintable(at));
                    QVERIFY2(e.input_ids.size() <= cutoff, qPrintable(at));
                    QCOMPARE(full_length, full);
                    QCOMPARE(truncated, full > cutoff);
                }
    }

    void singleTurnCutoffIsShared() {
        if (!llama3_) QSKIP("shared tokenizers absent (set LATHE_SHARED_DIR)");
        const Tokenizer& tok = *llama3_;
        const ChatTemplate& tmpl = *find_template("llama3");
        const Sample s = chat({words(60, "p"), words(40, "r")});
        const auto pair = tmpl.encode_multiturn(tok, messages_of(s)).at(0);
        EncodeOptions o;
        o.cutoff_len = 50;  // both sides longer than half: shared in proportion
        QVERIFY(pair.prompt.size() * 2 >= 50 && pair.response.size() * 2 >= 50);
        const Example e = encode_supervised(s, tmpl, tok, o);
        const auto [src, tgt] = lf_infer_seqlen(pair.prompt.size(), pair.response.size(), 50);
        QCOMPARE(e.input_ids.size(), src + tgt);
        QCOMPARE(e.input_ids, concat(Ids(pair.prompt.begin(), pair.prompt.begin() + src),
                                     Ids(pair.response.begin(), pair.response.begin() + tgt)));
        QCOMPARE(trained(e.labels), static_cast<int64_t>(tgt));
        // A truncated response loses its end-of-turn token, as in LLaMA-Factory.
        QVERIFY(e.labels.back() != tok.token_to_id("<|eot_id|>"));
    }

    void pairwiseSharesPromptAndCutoff() {
        if (!qwen3_) QSKIP("shared tokenizers absent (set LATHE_SHARED_DIR)");
        const Tokenizer& tok = *qwen3_;
        const ChatTemplate& tmpl = *find_template("qwen");
        Sample s = chat({"Earlier question", "Earlier answer", "Which is better, tea or coffee?", "unused"});
        s.kind = SampleKind::Preference;
        s.response = {{Role::Assistant, "Tea, " + words(20, "because")}, {Role::Assistant, "Coffee."}};
        auto side = [&](const Message& m) {
            auto msgs = s.prompt;
            msgs.push_back(m);
            const auto pairs = tmpl.encode_multiturn(tok, msgs);
            Ids prompt;
            for (size_t i = 0; i + 1 < pairs.size(); ++i) prompt = concat(concat(prompt, pairs[i].prompt), pairs[i].response);
            return std::make_pair(concat(prompt, pairs.back().prompt), pairs.back().response);
        };
        const auto [prompt, chosen] = side(s.chosen());
        const auto rejected = side(s.rejected()).second;
        QCOMPARE(side(s.rejected()).first, prompt);
        QVERIFY(std::count(rejected.begin(), rejected.end(), tok.token_to_id("<|im_end|>")) == 1);

        for (int cutoff : {4096, 40, 12}) {
            EncodeOptions o;
            o.cutoff_len = cutoff;
            const Example e = encode_pairwise(s, tmpl, tok, o);
            const auto [src, tgt] = lf_infer_seqlen(prompt.size(), std::max(chosen.size(), rejected.size()), cutoff);
            const Ids p(prompt.begin(), prompt.begin() + src);
            const Ids c(chosen.begin(), chosen.begin() + std::min(tgt, chosen.size()));
            const Ids r(rejected.begin(), rejected.begin() + std::min(tgt, rejected.size()));
            QCOMPARE(e.input_ids, concat(p, c));
            QCOMPARE(e.labels, concat(Ids(src, kIgnoreIndex), c));
            QCOMPARE(e.rejected_ids, concat(p, r));
            QCOMPARE(e.rejected_labels, concat(Ids(src, kIgnoreIndex), r));
            QVERIFY(e.is_pair());
            QVERIFY(e.input_ids.size() <= static_cast<size_t>(cutoff) && e.rejected_ids.size() <= static_cast<size_t>(cutoff));
        }
    }

    void pretrainAppendsEosAndTruncates() {
        if (!llama2_) QSKIP("shared tokenizers absent (set LATHE_SHARED_DIR)");
        const Tokenizer& tok = *llama2_;
        QVERIFY(tok.special().add_bos);
        const int32_t bos = tok.special().bos_id, eos = tok.special().eos_id;
        const std::vector<Sample> docs = {text("The quick brown fox.", "c4.jsonl#0"), text(words(80, "w"), "c4.jsonl#1")};
        EncodeOptions o;
        o.cutoff_len = 32;
        EncodeReport r;
        const auto out = encode_samples(docs, *find_template("default"), tok, o, &r);
        QCOMPARE(out.size(), size_t(2));
        // LLaMA-Factory: tokenizer(bos_token + text + eos_token, truncation=True, max_length=cutoff_len).
        const Ids first = concat(concat(Ids{bos}, tok.encode("The quick brown fox.")), Ids{eos});
        QCOMPARE(out[0].input_ids, first);
        QCOMPARE(out[0].labels, first);
        const Ids second = concat(concat(Ids{bos}, tok.encode(words(80, "w"))), Ids{eos});
        QCOMPARE(out[1].input_ids, Ids(second.begin(), second.begin() + 32));
        QCOMPARE(out[1].labels, out[1].input_ids);
        QCOMPARE(r.truncated, size_t(1));
        QCOMPARE(r.longest, second.size());
    }

    void pretrainPackingCutsCutoffBlocks() {
        if (!llama2_) QSKIP("shared tokenizers absent (set LATHE_SHARED_DIR)");
        const Tokenizer& tok = *llama2_;
        const int32_t bos = tok.special().bos_id, eos = tok.special().eos_id;
        std::vector<Sample> docs;
        Ids stream;
        for (int i = 0; i < 5; ++i) {
            docs.push_back(text(words(7 + 5 * i, "d" + std::to_string(i)), "corpus.txt#" + std::to_string(i)));
            stream = concat(concat(stream, tok.encode(docs.back().text)), Ids{eos});
        }
        EncodeOptions o;
        o.cutoff_len = 16;
        o.packing = true;
        const auto out = encode_samples(docs, *find_template("default"), tok, o);
        // Documents joined with EOS, cut into cutoff_len blocks, each block's first id replaced by BOS
        // (add_bos_token). Unlike LLaMA-Factory the last partial block is kept.
        QCOMPARE(out.size(), (stream.size() + 15) / 16);
        Ids joined;
        for (size_t b = 0; b < out.size(); ++b) {
            const auto& e = out[b];
            QCOMPARE(e.input_ids.size(), std::min<size_t>(16, stream.size() - 16 * b));
            QCOMPARE(e.input_ids[0], bos);
            QCOMPARE(e.labels, e.input_ids);
            joined = concat(joined, Ids(e.input_ids.begin() + 1, e.input_ids.end()));
            QCOMPARE(Ids(e.input_ids.begin() + 1, e.input_ids.end()),
                     Ids(stream.begin() + 16 * b + 1, stream.begin() + std::min(stream.size(), 16 * b + 16)));
        }
        QCOMPARE(static_cast<size_t>(std::count(stream.begin(), stream.end(), eos)), docs.size());
    }

    void everySampleLosingItsResponseIsAnError() {
        if (!llama3_) QSKIP("shared tokenizers absent (set LATHE_SHARED_DIR)");
        const Tokenizer& tok = *llama3_;
        const ChatTemplate& tmpl = *find_template("llama3");
        // Long prompts and responses of a few tokens: at cutoff_len 8 both sides exceed half of it, and
        // the response's proportional share int(8 * (t / (s + t))) is 0.
        std::vector<Sample> samples = {chat({words(40, "long"), "Hi there, my friend"}, "", "toy.json#0"),
                                       chat({words(50, "longer"), "Hi there, my friend"}, "", "toy.json#1")};
        size_t longest = 0;
        for (const auto& s : samples) {
            const auto p = tmpl.encode_multiturn(tok, messages_of(s)).at(0);
            QVERIFY(p.response.size() * 2 >= 8);
            QCOMPARE(lf_infer_seqlen(p.prompt.size(), p.response.size(), 8).second, size_t(0));
            longest = std::max(longest, p.prompt.size() + p.response.size());
        }
        EncodeOptions o;
        o.cutoff_len = 8;
        std::string msg;
        try {
            encode_samples(samples, tmpl, tok, o);
        } catch (const DataError& e) {
            msg = e.what();
        }
        QCOMPARE(msg, "nothing left to train on: all 2 samples lose their whole response at cutoff_len=8 (the longest "
                      "sample has " + std::to_string(longest) + " tokens); raise cutoff_len");

        // One survivor (a one-token answer keeps its place): the others are dropped and reported.
        samples.push_back(chat({"Hi", "Hey"}, "", "toy.json#2"));
        EncodeReport r;
        const auto out = encode_samples(samples, tmpl, tok, o, &r);
        QCOMPARE(out.size(), size_t(1));
        QCOMPARE(out[0].source, std::string("toy.json#2"));
        QCOMPARE(out[0].input_ids.size(), size_t(8));
        QCOMPARE(r.dropped, size_t(2));
        QCOMPARE(r.truncated, size_t(3));
        QCOMPARE(r.first_dropped, std::string("toy.json#0"));
        QVERIFY2(r.summary().find("1 examples, 3 truncated to cutoff_len, 2 dropped (no response token left after "
                                  "truncation, first: toy.json#0)") != std::string::npos,
                 r.summary().c_str());
    }
};

LATHE_TEST(TestEncode)
#include "test_encode.moc"
