#include "core/corpus/pipeline.h"

#include "core/corpus/corpus_config.h"
#include "core/corpus/corpus_reader.h"
#include "core/corpus/dedup.h"
#include "core/corpus/quality.h"
#include "core/corpus/text_clean.h"
#include "core/corpus/tokenizer_lab.h"
#include "core/io/json_file.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "core/util/fs.h"
#include "core/util/messages.h"
#include "core/util/threads.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace lathe {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr size_t kBatchDocs = 4096;
constexpr size_t kBatchBytes = size_t(8) << 20;
constexpr size_t kMaxClusters = 50;
constexpr size_t kMaxClusterMembers = 5;
constexpr size_t kMaxErrors = 100;
constexpr size_t kSnippetChars = 400;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// An unreadable record's problem in the removed-records file, so that the studio can word it again.
json problem_json(const Problem& p) {
    json j = {{"id", p.id}, {"args", p.args}, {"file", p.file}};
    if (p.record >= 0) j["record"] = p.record;
    if (p.line > 0) j["line"] = p.line;
    if (p.column > 0) j["column"] = p.column;
    return j;
}

// Runs f(begin, end, worker) over [0, n) in chunks on `threads` threads; rethrows the first exception.
void parallel_for(size_t n, int threads, const std::function<void(size_t, size_t, int)>& f) {
    if (threads <= 1 || n < 64) {
        f(0, n, 0);
        return;
    }
    std::atomic<size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_lock;
    auto work = [&](int worker) {
        try {
            for (;;) {
                const size_t b = next.fetch_add(32);
                if (b >= n) break;
                f(b, std::min(n, b + 32), worker);
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(failure_lock);
            if (!failure) failure = std::current_exception();
            next = n;
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
}

struct Item {
    CorpusDoc doc;
    bool alive = true;
};

enum class Outcome : uint8_t { Kept, Changed, Removed };

// Where a remembered (kept) record came from, for duplicate clusters.
struct Origin {
    uint32_t file = 0;
    uint64_t record = 0, line = 0;
};

std::string source_of(const std::vector<CorpusFile>& files, uint32_t file, uint64_t line, uint64_t record) {
    const std::string& path = files[file].path;
    if (line > 0) return path + ":" + std::to_string(line);
    if (files[file].kind == CorpusFile::Kind::Whole) return path;
    return path + " record " + std::to_string(record);
}

std::string source_of(const std::vector<CorpusFile>& files, const CorpusDoc& d) {
    return source_of(files, d.file, d.line, d.record);
}

// sharegpt's role names as LLaMA-Factory's default tags spell them.
std::string sharegpt_role(const std::string& role) {
    const std::string r = lower_ascii(role);
    if (r == "user" || r == "human") return "human";
    if (r == "assistant" || r == "gpt" || r == "model") return "gpt";
    return r;
}

class DatasetWriter {
public:
    DatasetWriter(const std::string& path, std::string format, const std::vector<CorpusFile>& files)
        : path_(path), format_(std::move(format)), files_(files) {
        out_.rdbuf()->pubsetbuf(buffer_.data(), std::streamsize(buffer_.size()));
        out_.open(path, std::ios::binary | std::ios::trunc);
        if (!out_) throw write_error(path, "cannot_create", errno);
    }

    void write(const CorpusDoc& d) {
        json record;
        if (format_ == "text") {
            record = json{{"text", d.joined()}};
        } else if (format_ == "alpaca") {
            record = alpaca(d);
        } else {
            record = sharegpt(d);
        }
        const std::string line = record.dump(-1, ' ', false, json::error_handler_t::replace);
        out_.write(line.data(), std::streamsize(line.size()));
        out_.put('\n');
        bytes_ += line.size() + 1;
        ++records_;
    }

    void close() {
        errno = 0;
        out_.flush();
        if (!out_) throw write_error(path_, "write_failed", errno);
        out_.close();
    }
    uint64_t bytes() const { return bytes_; }

private:
    json alpaca(const CorpusDoc& d) const {
        json r = json::object();
        if (d.shape == CorpusDoc::Shape::Alpaca) {
            for (const auto& [k, v] : d.fields) r[k] = v;
            if (!r.contains("instruction")) r["instruction"] = "";
            if (!r.contains("output")) r["output"] = "";
            return r;
        }
        if (d.shape == CorpusDoc::Shape::ShareGpt) {
            std::vector<std::pair<std::string, std::string>> pairs;
            std::string pending;
            bool have_prompt = false;
            for (const auto& [role, text] : d.fields) {
                const std::string r2 = sharegpt_role(role);
                if (r2 == "system") r["system"] = text;
                else if (r2 == "human") pending = text, have_prompt = true;
                else if (r2 == "gpt" && have_prompt) pairs.emplace_back(pending, text), have_prompt = false;
            }
            if (pairs.empty())
                throw DataError(config_problem("output_format", "corpus_alpaca_needs_pair", {source_of(files_, d)}));
            r["instruction"] = pairs.back().first;
            r["input"] = "";
            r["output"] = pairs.back().second;
            if (pairs.size() > 1) {
                json history = json::array();
                for (size_t i = 0; i + 1 < pairs.size(); ++i) history.push_back({pairs[i].first, pairs[i].second});
                r["history"] = history;
            }
            return r;
        }
        throw DataError(config_problem("output_format", "corpus_alpaca_plain_text", {source_of(files_, d)}));
    }

    json sharegpt(const CorpusDoc& d) const {
        json r = json::object();
        json turns = json::array();
        if (d.shape == CorpusDoc::Shape::ShareGpt) {
            for (const auto& [role, text] : d.fields) {
                const std::string r2 = sharegpt_role(role);
                if (r2 == "system") r["system"] = text;
                else turns.push_back({{"from", r2}, {"value", text}});
            }
        } else if (d.shape == CorpusDoc::Shape::Alpaca) {
            std::string prompt, answer;
            for (const auto& [k, v] : d.fields) {
                if (k == "system") r["system"] = v;
                else if (k == "instruction") prompt = v + prompt;
                else if (k == "input" && !v.empty()) prompt += "\n" + v;
                else if (k == "output") answer = v;
            }
            turns.push_back({{"from", "human"}, {"value", prompt}});
            turns.push_back({{"from", "gpt"}, {"value", answer}});
        } else {
            throw DataError(config_problem("output_format", "corpus_sharegpt_plain_text", {source_of(files_, d)}));
        }
        r["conversations"] = turns;
        return r;
    }

    std::string path_, format_;
    const std::vector<CorpusFile>& files_;
    std::vector<char> buffer_ = std::vector<char>(size_t(1) << 20);
    std::ofstream out_;
    uint64_t bytes_ = 0;
    size_t records_ = 0;
};

json dataset_entry(const std::string& file_name, const std::string& format) {
    if (format == "text") return {{"file_name", file_name}, {"columns", {{"prompt", "text"}}}};
    if (format == "alpaca")
        return {{"file_name", file_name},
                {"columns", {{"prompt", "instruction"}, {"query", "input"}, {"response", "output"}, {"system", "system"},
                             {"history", "history"}}}};
    return {{"file_name", file_name},
            {"formatting", "sharegpt"},
            {"columns", {{"messages", "conversations"}, {"system", "system"}}}};
}

json example_json(const CorpusExample& e) {
    json j = {{"source", e.source}, {"before", e.before}};
    if (!e.after.empty()) j["after"] = e.after;
    if (!e.reason.empty()) j["reason"] = e.reason;
    if (!e.duplicate_of.empty()) j["duplicate_of"] = e.duplicate_of;
    return j;
}

// Lengths in characters on a doubling scale: 0, 16, 32, ..., 2^20 and beyond.
std::vector<uint64_t> length_edges() {
    std::vector<uint64_t> e = {0};
    for (uint64_t v = 16; v <= (uint64_t(1) << 20); v *= 2) e.push_back(v);
    return e;
}

class Pipeline {
public:
    Pipeline(const CorpusConfig& config, const CorpusEvents& events) : c_(config), events_(events) {
        threads_ = config.threads > 0 ? config.threads : std::max(1, available_cores());
        steps_ = config.enabled_steps();
        r_.steps.emplace_back();
        r_.steps.back().name = "decode";
        for (CorpusStep s : steps_) {
            r_.steps.emplace_back();
            r_.steps.back().name = corpus_step_name(s);
        }
        form_ = lower_ascii(config.normalize) == "nfkc" ? UnicodeForm::Nfkc : UnicodeForm::Nfc;
        const std::string script = lower_ascii(config.script_filter);
        script_ = script == "hangul" ? Script::Hangul : script == "latin" ? Script::Latin : Script::Cjk;
        minhash_.num_perm = config.minhash_num_perm;
        minhash_.ngram = config.minhash_ngram;
        minhash_.threshold = config.minhash_threshold;
        if (lower_ascii(config.dedup) == "minhash") {
            lsh_ = std::make_unique<MinHashLsh>(minhash_);
            r_.lsh_bands = lsh_->bands();
            r_.lsh_rows = lsh_->rows();
        }
        scratch_.resize(size_t(threads_));
        pii_counts_.resize(size_t(threads_));
        r_.length_edges = length_edges();
        r_.length_counts.assign(r_.length_edges.size(), 0);
        for (const char* rule : quality_rule_names()) r_.quality[rule] = 0;
    }

    CorpusReport run() {
        const auto t0 = Clock::now();
        files_ = list_corpus_files(c_);
        uint64_t total = 0;
        for (const auto& f : files_) total += f.bytes;
        r_.input_bytes = total;
        const std::string out_dir = c_.output_dir;
        fs::create_directories(out_dir);
        const std::string file_name = c_.dataset_name + ".jsonl";
        r_.output_file = path_join(out_dir, file_name);
        r_.report_file = path_join(out_dir, "data_report.json");
        r_.dataset_info_file = path_join(out_dir, "dataset_info.json");
        r_.dataset_name = c_.dataset_name;
        staged_ = temp_sibling(r_.output_file);
        writer_ = std::make_unique<DatasetWriter>(staged_, lower_ascii(c_.output_format), files_);
        r_.removed_file = path_join(out_dir, c_.dataset_name + ".removed.jsonl");
        removed_staged_ = temp_sibling(r_.removed_file);
        removed_out_.open(removed_staged_, std::ios::binary | std::ios::trunc);
        if (!removed_out_) throw write_error(removed_staged_, "cannot_create", errno);
        if (c_.train_tokenizer) {
            tokenizer_text_ = temp_sibling(path_join(out_dir, "tokenizer-corpus.txt"));
            tokenizer_out_.open(tokenizer_text_, std::ios::binary | std::ios::trunc);
            if (!tokenizer_out_) throw write_error(tokenizer_text_, "cannot_create", errno);
        }

        uint64_t done_before = 0;
        std::vector<Item> batch;
        size_t batch_bytes = 0;
        for (uint32_t fi = 0; fi < files_.size(); ++fi) {
            const CorpusFile& f = files_[fi];
            CorpusReadCallbacks cb;
            cb.on_doc = [&](CorpusDoc&& d) {
                ++r_.input_records;
                batch_bytes += d.bytes();
                batch.push_back({std::move(d), true});
                if (batch.size() >= kBatchDocs || batch_bytes >= kBatchBytes) {
                    process(batch);
                    batch.clear();
                    batch_bytes = 0;
                }
                return true;
            };
            cb.on_error = [&](CorpusReadError&& e) {
                ++r_.input_records;
                CorpusStepReport& decode = r_.steps.front();
                ++decode.removed;
                const std::string& message = e.problem.message;
                if (r_.errors.size() < kMaxErrors) r_.errors.push_back(e.problem);
                if (decode.removed_examples.size() < size_t(c_.examples))
                    decode.removed_examples.push_back({source_of(files_, e.file, 0, e.record), "", "", message, e.problem, ""});
                log_removed("decode", source_of(files_, e.file, 0, e.record), message, "", &e.problem);
                if (decode.removed <= kUnreadableAsRead && events_.on_unreadable) events_.on_unreadable(e.problem);
            };
            cb.on_bytes = [&](uint64_t bytes) {
                if (events_.on_progress && total > 0)
                    events_.on_progress(double(done_before + bytes) / double(total), f.path);
            };
            read_corpus_file(f, fi, c_.text_column, cb);
            done_before += f.bytes;
        }
        if (!batch.empty()) process(batch);
        throw_if_cancelled();
        if (r_.input_records == 0) {
            // An empty dataset would be registered and fail later in training; say it here instead.
            Problem p = plain_problem("corpus_no_records", {std::to_string(files_.size())});
            p.key = "data_files";
            throw DataError(std::move(p));
        }
        writer_->close();
        r_.output_bytes = writer_->bytes();
        for (const auto& counts : pii_counts_)
            for (size_t k = 0; k < kPiiKinds; ++k) r_.pii[k] += counts[k];
        fill_cluster_texts();
        r_.seconds = seconds_since(t0);

        // The tokenizer is trained and measured before anything is committed: an Abort while SentencePiece
        // trains leaves the output folder as it was.
        if (c_.measures_tokenizers()) tokenizer_lab(out_dir);

        // Commit: the dataset, then its registration, the tokenizer, then the report (each replaced atomically).
        fs::rename(staged_, r_.output_file);
        staged_.clear();
        errno = 0;
        removed_out_.close();
        if (!removed_out_) throw write_error(removed_staged_, "write_failed", errno);
        fs::rename(removed_staged_, r_.removed_file);
        removed_staged_.clear();
        json info = json::object();
        if (file_exists(r_.dataset_info_file)) info = json::parse(read_file(r_.dataset_info_file));
        info[c_.dataset_name] = dataset_entry(file_name, lower_ascii(c_.output_format));
        write_file_atomic(r_.dataset_info_file, info.dump(2) + "\n");
        if (!staged_tokenizer_.empty()) {
            replace_dir_atomic(staged_tokenizer_, r_.tokenizer_dir);
            staged_tokenizer_.clear();
        }
        json report = json::parse(r_.to_json());
        report["config"] = json::object();
        for (const std::string& k : CorpusConfig::keys()) report["config"][k] = c_.get(k);
        write_file_atomic(r_.report_file, report.dump(2) + "\n");
        return r_;
    }

    ~Pipeline() {
        if (!staged_tokenizer_.empty()) {
            std::error_code ec;
            fs::remove_all(staged_tokenizer_, ec);
        }
        if (!removed_staged_.empty()) {
            removed_out_.close();
            std::error_code ec;
            fs::remove(removed_staged_, ec);
        }
        if (!tokenizer_text_.empty()) {
            tokenizer_out_.close();
            std::error_code ec;
            fs::remove(tokenizer_text_, ec);
        }
        if (!staged_.empty()) {
            writer_.reset();
            std::error_code ec;
            fs::remove(staged_, ec);
        }
    }

private:
    void tokenizer_lab(const std::string& out_dir) {
        std::vector<std::pair<std::string, std::string>> sources;  // (where it is read now, the path reported)
        if (c_.train_tokenizer) {
            errno = 0;
            tokenizer_out_.close();
            if (!tokenizer_out_) throw write_error(tokenizer_text_, "write_failed", errno);
            if (events_.on_message)
                events_.on_message("info", note("corpus_training_tokenizer", {c_.tokenizer_type, std::to_string(c_.tokenizer_vocab_size)}));
            if (events_.on_progress) events_.on_progress(1.0, "");  // the note above says what runs
            TokenizerTrainSettings t;
            t.model_type = lower_ascii(c_.tokenizer_type);
            t.vocab_size = c_.tokenizer_vocab_size;
            t.character_coverage = c_.character_coverage;
            t.byte_fallback = c_.byte_fallback;
            t.special_tokens = split_list(c_.special_tokens);
            const std::string target = path_join(out_dir, "tokenizer");
            staged_tokenizer_ = temp_sibling(target);  // moved into place with the dataset (run's commit)
            // A tokenizer that cannot be trained (a vocabulary smaller than the characters it must hold) is
            // reported, not a failure of the run.
            try {
                train_tokenizer_folder(tokenizer_text_, staged_tokenizer_, t);
                r_.tokenizer_dir = target;
                sources.push_back({staged_tokenizer_, target});
            } catch (const Error& e) {
                std::error_code ec;
                fs::remove_all(staged_tokenizer_, ec);
                staged_tokenizer_.clear();
                TokenizerReport failed;
                failed.name = "tokenizer";
                failed.path = target;
                failed.trained_here = true;
                failed.error = e.what();
                r_.tokenizers.push_back(failed);
                if (events_.on_message) events_.on_message("warning", note("corpus_tokenizer_failed", {failed.error}));
            }
        }
        for (const std::string& p : split_list(c_.compare_tokenizers)) sources.push_back({p, p});
        r_.heldout_records = heldout_.size();
        r_.token_length_counts.assign(r_.length_edges.size(), 0);
        for (const auto& [read_from, path] : sources) {
            throw_if_cancelled();
            TokenizerReport t;
            t.path = path;
            t.name = fs::path(path).filename().string();
            t.trained_here = !r_.tokenizer_dir.empty() && read_from == staged_tokenizer_;
            try {
                const auto tok = Tokenizer::from_dir(read_from);
                const TokenizerMeasure m = measure_tokenizer(*tok, heldout_, c_.tokenizer_sentence);
                t.kind = m.kind;
                t.vocab_size = m.vocab_size;
                t.tokens_per_word = m.tokens_per_word();
                t.tokens_per_char = m.tokens_per_char();
                t.byte_share = m.byte_share();
                t.unknown_share = m.unknown_share();
                t.sentence_pieces = m.sentence_pieces;
                if (r_.token_length_tokenizer.empty()) {
                    r_.token_length_tokenizer = t.name;
                    for (const std::string& text : heldout_) {
                        const auto n = uint64_t(tok->encode(text, false).size());
                        const auto bin = std::upper_bound(r_.length_edges.begin(), r_.length_edges.end(), n) -
                                         r_.length_edges.begin() - 1;
                        ++r_.token_length_counts[size_t(std::max<ptrdiff_t>(0, bin))];
                    }
                }
            } catch (const Error& e) {
                t.error = e.what();
                if (events_.on_message) events_.on_message("warning", note("corpus_compare_failed", {t.error}));
            }
            r_.tokenizers.push_back(std::move(t));
        }
    }

    void process(std::vector<Item>& batch) {
        throw_if_cancelled();
        for (size_t s = 0; s < steps_.size(); ++s) {
            const auto t = Clock::now();
            CorpusStepReport& rep = r_.steps[s + 1];
            if (steps_[s] == CorpusStep::Dedup) dedup(batch, rep);
            else apply(batch, steps_[s], rep);
            rep.seconds += seconds_since(t);
            throw_if_cancelled();
        }
        for (Item& it : batch) {
            if (!it.alive) continue;
            writer_->write(it.doc);
            ++r_.output_records;
            size_t chars = 0;
            for (const auto& f : it.doc.fields) chars += count_chars(f.second);
            const auto bin = std::upper_bound(r_.length_edges.begin(), r_.length_edges.end(), uint64_t(chars)) -
                             r_.length_edges.begin() - 1;
            ++r_.length_counts[size_t(std::max<ptrdiff_t>(0, bin))];
            if (r_.kept_examples.size() < size_t(c_.examples))
                r_.kept_examples.push_back({source_of(files_, it.doc), snippet(it.doc.joined(), kSnippetChars), "", "", {}, ""});
            if (c_.measures_tokenizers()) {
                // Every 20th kept record is held out of tokenizer training, to measure tokenizers on.
                if (kept_seen_++ % 20 == 19 && heldout_.size() < 2000) heldout_.push_back(it.doc.joined());
                else if (c_.train_tokenizer) tokenizer_out_ << it.doc.joined() << '\n';
            }
        }
    }

    // One record-at-a-time step over the batch, in parallel; counts and examples merged in input order.
    void apply(std::vector<Item>& batch, CorpusStep step, CorpusStepReport& rep) {
        const size_t n = batch.size();
        std::vector<Outcome> outcome(n, Outcome::Kept);
        std::vector<const char*> reason(n, nullptr);
        std::vector<std::string> before(n);
        const bool want_changed = rep.changed_examples.size() < size_t(c_.examples);
        const bool drop_pii = lower_ascii(c_.pii) == "drop";
        parallel_for(n, threads_, [&](size_t b, size_t e, int worker) {
            for (size_t i = b; i < e; ++i) {
                Item& it = batch[i];
                if (!it.alive) continue;
                auto& fields = it.doc.fields;
                if (want_changed && step != CorpusStep::Length && step != CorpusStep::Script) before[i] = it.doc.joined();
                bool changed = false;
                switch (step) {
                    case CorpusStep::Normalize:
                        for (auto& f : fields) changed |= normalize_unicode(f.second, form_);
                        break;
                    case CorpusStep::Clean: {
                        bool any = false;
                        for (auto& f : fields) {
                            changed |= lathe::clean_whitespace(f.second);
                            any |= !f.second.empty();
                        }
                        if (!any) reason[i] = "empty";
                        break;
                    }
                    case CorpusStep::Pii: {
                        PiiCounts& counts = pii_counts_[size_t(worker)];
                        for (auto& f : fields) {
                            const auto spans = find_pii(f.second);
                            if (spans.empty()) continue;
                            for (const auto& s : spans) ++counts[size_t(s.kind)];
                            if (drop_pii) {
                                if (!reason[i]) reason[i] = pii_kind_name(spans.front().kind);
                            } else {
                                f.second = mask_pii(f.second, spans);
                                changed = true;
                            }
                        }
                        break;
                    }
                    case CorpusStep::Length: {
                        size_t chars = 0;
                        for (const auto& f : fields) chars += count_chars(f.second);
                        if (c_.min_chars > 0 && chars < size_t(c_.min_chars)) reason[i] = "too_short";
                        else if (c_.max_chars > 0 && chars > size_t(c_.max_chars)) reason[i] = "too_long";
                        break;
                    }
                    case CorpusStep::Quality:
                        for (auto& f : fields) changed |= strip_boilerplate_lines(f.second);
                        reason[i] = quality_failure(it.doc.joined(), scratch_[size_t(worker)]);
                        break;
                    case CorpusStep::Script:
                        if (script_share(it.doc.joined(), script_) < c_.min_script_share) reason[i] = "script";
                        break;
                    case CorpusStep::Dedup: break;
                }
                outcome[i] = reason[i] ? Outcome::Removed : changed ? Outcome::Changed : Outcome::Kept;
                if (outcome[i] == Outcome::Kept) before[i].clear();
            }
        });
        for (size_t i = 0; i < n; ++i) {
            Item& it = batch[i];
            if (!it.alive || outcome[i] == Outcome::Kept) continue;
            if (outcome[i] == Outcome::Changed) {
                ++rep.changed;
                if (rep.changed_examples.size() < size_t(c_.examples) && !before[i].empty())
                    rep.changed_examples.push_back({source_of(files_, it.doc), snippet(before[i], kSnippetChars),
                                                    snippet(it.doc.joined(), kSnippetChars), "", {}, ""});
                continue;
            }
            ++rep.removed;
            it.alive = false;
            if (step == CorpusStep::Quality) ++r_.quality[reason[i]];
            log_removed(rep.name, source_of(files_, it.doc), reason[i], before[i].empty() ? it.doc.joined() : before[i]);
            if (rep.removed_examples.size() < size_t(c_.examples))
                rep.removed_examples.push_back(
                    {source_of(files_, it.doc), snippet(before[i].empty() ? it.doc.joined() : before[i], kSnippetChars), "",
                     reason[i], {}, ""});
        }
    }

    void dedup(std::vector<Item>& batch, CorpusStepReport& rep) {
        const size_t n = batch.size();
        std::vector<Hash128> keys;
        std::vector<uint32_t> sigs;
        const int np = minhash_.num_perm;
        if (lsh_) {
            sigs.resize(n * size_t(np));
            parallel_for(n, threads_, [&](size_t b, size_t e, int) {
                std::vector<uint32_t> sig;
                for (size_t i = b; i < e; ++i) {
                    if (!batch[i].alive) continue;
                    minhash_signature(batch[i].doc.joined(), minhash_, sig);
                    std::copy(sig.begin(), sig.end(), sigs.begin() + ptrdiff_t(i * size_t(np)));
                }
            });
        } else {
            keys.resize(n);
            parallel_for(n, threads_, [&](size_t b, size_t e, int) {
                for (size_t i = b; i < e; ++i)
                    if (batch[i].alive) keys[i] = exact_key(batch[i].doc.joined());
            });
        }
        std::vector<uint32_t> sig(static_cast<size_t>(np));
        for (size_t i = 0; i < n; ++i) {
            Item& it = batch[i];
            if (!it.alive) continue;
            const auto id = int64_t(origins_.size());
            int64_t first = -1;
            double sim = 1.0;
            if (lsh_) {
                std::copy(sigs.begin() + ptrdiff_t(i * size_t(np)), sigs.begin() + ptrdiff_t((i + 1) * size_t(np)), sig.begin());
                std::tie(first, sim) = lsh_->check(sig, id);
            } else {
                first = exact_.check(keys[i], id);
            }
            if (first < 0) {
                origins_.push_back({it.doc.file, it.doc.record, it.doc.line});
                continue;
            }
            it.alive = false;
            ++rep.removed;
            const Origin& o = origins_[size_t(first)];
            const std::string kept = source_of(files_, o.file, o.line, o.record);
            const std::string text = snippet(it.doc.joined(), kSnippetChars);
            log_removed(rep.name, source_of(files_, it.doc), "duplicate of " + kept, it.doc.joined(), nullptr, kept);
            if (rep.removed_examples.size() < size_t(c_.examples))
                rep.removed_examples.push_back({source_of(files_, it.doc), text, "", "duplicate of " + kept, {}, kept});
            auto found = cluster_of_.find(first);
            if (found == cluster_of_.end()) {
                if (r_.clusters.size() >= kMaxClusters) continue;
                found = cluster_of_.emplace(first, r_.clusters.size()).first;
                DuplicateCluster cl;
                cl.kept_source = kept;
                r_.clusters.push_back(std::move(cl));
                cluster_origin_.push_back(o);
            }
            DuplicateCluster& cl = r_.clusters[found->second];
            ++cl.size;
            if (cl.duplicates.size() < kMaxClusterMembers) cl.duplicates.push_back({source_of(files_, it.doc), text, sim});
        }
    }

    // The kept record of each cluster, read again from its file (only its position was remembered).
    void fill_cluster_texts() {
        std::map<uint32_t, std::vector<size_t>> by_file;
        for (size_t i = 0; i < cluster_origin_.size(); ++i) by_file[cluster_origin_[i].file].push_back(i);
        for (const auto& entry : by_file) {
            const uint32_t file = entry.first;
            const std::vector<size_t>& indices = entry.second;  // a name a lambda can capture (clang 14)
            uint64_t last = 0;
            for (size_t i : indices) last = std::max(last, cluster_origin_[i].record);
            CorpusReadCallbacks cb;
            cb.on_doc = [&](CorpusDoc&& d) {
                for (size_t i : indices)
                    if (cluster_origin_[i].record == d.record) r_.clusters[i].kept_text = snippet(d.joined(), kSnippetChars);
                return d.record < last;
            };
            cb.on_error = [](CorpusReadError&&) {};
            read_corpus_file(files_[file], file, c_.text_column, cb);
        }
    }

    const CorpusConfig& c_;
    const CorpusEvents& events_;
    int threads_ = 1;
    std::vector<CorpusStep> steps_;
    UnicodeForm form_ = UnicodeForm::Nfc;
    Script script_ = Script::Hangul;
    MinHashParams minhash_;
    std::unique_ptr<MinHashLsh> lsh_;
    ExactDedup exact_;
    std::vector<Origin> origins_;
    std::unordered_map<int64_t, size_t> cluster_of_;
    std::vector<Origin> cluster_origin_;
    std::vector<QualityScratch> scratch_;
    std::vector<PiiCounts> pii_counts_;
    std::vector<CorpusFile> files_;
    std::unique_ptr<DatasetWriter> writer_;
    std::string staged_;
    // Every removed record, with its step and reason (output_dir/<dataset_name>.removed.jsonl).
    std::string removed_staged_;
    std::ofstream removed_out_;
    void log_removed(const std::string& step, const std::string& source, const std::string& reason,
                     const std::string& text, const Problem* problem = nullptr, const std::string& duplicate_of = "") {
        if (removed_staged_.empty()) return;
        json j = {{"step", step}, {"source", source}, {"reason", reason}};
        if (!text.empty()) j["text"] = text;
        if (problem && !problem->id.empty()) j["problem"] = problem_json(*problem);
        if (!duplicate_of.empty()) j["duplicate_of"] = duplicate_of;
        removed_out_ << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    }
    // Tokenizer lab: the kept records' text for training (a temp file) and the held-out sample.
    std::string tokenizer_text_;
    std::string staged_tokenizer_;  // the trained tokenizer, until the commit moves it to <output>/tokenizer
    std::ofstream tokenizer_out_;
    std::vector<std::string> heldout_;
    size_t kept_seen_ = 0;
    CorpusReport r_;
};

}  // namespace

std::string CorpusReport::to_json() const {
    json j;
    j["input_records"] = input_records;
    j["output_records"] = output_records;
    j["input_bytes"] = input_bytes;
    j["output_bytes"] = output_bytes;
    j["seconds"] = seconds;
    j["steps"] = json::array();
    for (const CorpusStepReport& s : steps) {
        json step = {{"name", s.name}, {"removed", s.removed}, {"changed", s.changed}, {"seconds", s.seconds}};
        step["removed_examples"] = json::array();
        for (const auto& e : s.removed_examples) step["removed_examples"].push_back(example_json(e));
        step["changed_examples"] = json::array();
        for (const auto& e : s.changed_examples) step["changed_examples"].push_back(example_json(e));
        j["steps"].push_back(step);
    }
    j["pii"] = json::object();
    for (size_t k = 0; k < kPiiKinds; ++k) j["pii"][pii_kind_name(PiiKind(k))] = pii[k];
    j["quality"] = quality;
    j["duplicate_clusters"] = json::array();
    for (const DuplicateCluster& c : clusters) {
        json cl = {{"kept", {{"source", c.kept_source}, {"text", c.kept_text}}}, {"size", c.size}};
        cl["duplicates"] = json::array();
        for (const auto& m : c.duplicates)
            cl["duplicates"].push_back({{"source", m.source}, {"text", m.text}, {"similarity", m.similarity}});
        j["duplicate_clusters"].push_back(cl);
    }
    if (lsh_bands > 0) j["minhash_lsh"] = {{"bands", lsh_bands}, {"rows", lsh_rows}};
    j["errors"] = json::array();
    for (const Problem& p : errors) j["errors"].push_back(p.message);
    j["kept_examples"] = json::array();
    for (const auto& e : kept_examples) j["kept_examples"].push_back({{"source", e.source}, {"text", e.before}});
    j["length_histogram"] = {{"unit", "characters"}, {"edges", length_edges}, {"counts", length_counts}};
    j["output_file"] = output_file;
    j["removed_file"] = removed_file;
    j["dataset_name"] = dataset_name;
    if (!tokenizers.empty() || !tokenizer_dir.empty()) {
        j["tokenizer_dir"] = tokenizer_dir;
        j["heldout_records"] = heldout_records;
        j["tokenizers"] = json::array();
        for (const TokenizerReport& t : tokenizers) {
            json tj = {{"name", t.name}, {"path", t.path}, {"trained_here", t.trained_here}};
            if (!t.error.empty()) {
                tj["error"] = t.error;
            } else {
                tj["kind"] = t.kind;
                tj["vocab_size"] = t.vocab_size;
                tj["tokens_per_word"] = t.tokens_per_word;
                tj["tokens_per_char"] = t.tokens_per_char;
                tj["byte_fallback_share"] = t.byte_share;
                tj["unknown_share"] = t.unknown_share;
                tj["sentence_pieces"] = t.sentence_pieces;
            }
            j["tokenizers"].push_back(tj);
        }
        if (!token_length_tokenizer.empty())
            j["token_length_histogram"] = {{"unit", "tokens"},
                                           {"tokenizer", token_length_tokenizer},
                                           {"sample", "held-out records"},
                                           {"edges", length_edges},
                                           {"counts", token_length_counts}};
    }
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<Problem> precheck_corpus(const CorpusConfig& config) {
    std::vector<Problem> out = config.problems();
    auto add = [&](const std::string& key, const std::string& id, std::vector<std::string> args) {
        out.push_back(config_problem(key, id, std::move(args)));
    };
    // A problem with a file of its own, placed at the setting that named it.
    auto add_for = [&](const std::string& key, Problem p) {
        p.key = key;
        out.push_back(std::move(p));
    };
    std::error_code ec;
    for (const std::string& f : config.files())
        if (!fs::exists(f, ec)) add("data_files", "path_not_found", {f});
    const std::string dir = config.output_dir;
    if (!dir.empty()) {
        if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) add("output_dir", "path_is_a_file", {dir});
        const std::string info = path_join(dir, "dataset_info.json");
        if (file_exists(info)) {
            try {
                const json j = json::parse(read_file(info));
                if (!j.is_object()) add_for("output_dir", file_problem(info, 0, 0, "dataset_info_not_object"));
            } catch (const json::exception& e) {
                add_for("output_dir", file_problem(info, 0, 0, "dataset_info_invalid", {json_error_reason(e)}));
            } catch (const Error& e) {
                add_for("output_dir", e.problem());
            }
        }
    }
    const bool columns_ok = std::none_of(out.begin(), out.end(), [](const Problem& p) { return p.key == "columns"; });
    if (!split_list(config.dataset).empty() && columns_ok) {
        try {
            CorpusConfig only_datasets = config;
            only_datasets.data_files.clear();
            (void)list_corpus_files(only_datasets);
        } catch (const Error& e) {
            add_for("dataset", e.problem());
        }
    }
    for (const std::string& t : split_list(config.compare_tokenizers))
        if (!fs::is_directory(t, ec)) add("compare_tokenizers", "path_not_a_folder", {t});
    const std::string fmt = lower_ascii(config.output_format), in = lower_ascii(config.data_format);
    if (in == "text" && (fmt == "alpaca" || fmt == "sharegpt"))
        add("output_format", "text_keeps_no_records", {config.output_format});
    return out;
}

CorpusSummary run_corpus(const CorpusConfig& config, const CorpusEvents& events, const std::atomic<bool>* cancel) {
    CorpusSummary s;
    s.problems = precheck_corpus(config);
    if (!s.problems.empty()) {
        s.status = CorpusSummary::Status::Failed;
        s.message = s.problems.front().message;
        return s;
    }
    CancelScope scope(cancel);
    try {
        Pipeline p(config, events);
        s.report = p.run();
        s.status = CorpusSummary::Status::Completed;
        s.message = std::to_string(s.report.output_records) + " of " + std::to_string(s.report.input_records) +
                    " records kept, written to " + s.report.output_file;
    } catch (const Cancelled&) {
        s.status = CorpusSummary::Status::Cancelled;
        s.message = "stopped; the output folder is as it was";
    } catch (const Error& e) {
        s.status = CorpusSummary::Status::Failed;
        s.message = e.what();
        s.problems.push_back(e.problem());
    } catch (const std::exception& e) {
        s.status = CorpusSummary::Status::Failed;
        s.message = e.what();
    }
    return s;
}

}  // namespace lathe
