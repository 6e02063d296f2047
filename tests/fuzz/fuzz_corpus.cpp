// The data workshop's reading and scrubbing: a raw corpus file as plain lines, one whole document, JSON,
// JSON lines, CSV or TSV (the first byte picks) through the corpus reader, then every document it yields
// through the text clean-up, the personal-data scanners and their masking, the boilerplate and quality
// rules, as a workshop run would. Beyond the harnesses' rule (fuzz_util.h), the steps must keep their
// promises: valid UTF-8 stays valid through every step, personal-data spans are sorted, disjoint and
// inside the text, and an unreadable record names its file.
#include "core/corpus/corpus_reader.h"
#include "core/corpus/pii.h"
#include "core/corpus/quality.h"
#include "core/corpus/text_clean.h"
#include "tests/fuzz/fuzz_util.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

void finding(const char* what, const std::string& detail) {
    std::fprintf(stderr, "lathe fuzz (corpus): %s: %s\n", what, detail.c_str());
    std::abort();
}

void must_stay_utf8(const char* step, const std::string& text) {
    if (lathe::first_invalid_utf8(text) != std::string::npos) finding(step, "turned valid UTF-8 into invalid bytes");
}

void scrub(std::string text) {
    if (lathe::first_invalid_utf8(text) != std::string::npos) return;  // the reader reports such records
    for (auto form : {lathe::UnicodeForm::Nfc, lathe::UnicodeForm::Nfkc}) {
        std::string t = text;
        lathe::normalize_unicode(t, form);
        must_stay_utf8("normalize_unicode", t);
    }
    lathe::clean_whitespace(text);
    must_stay_utf8("clean_whitespace", text);
    lathe::strip_boilerplate_lines(text);
    must_stay_utf8("strip_boilerplate_lines", text);

    const std::vector<lathe::PiiSpan> spans = lathe::find_pii(text);
    size_t end = 0;
    for (const lathe::PiiSpan& s : spans) {
        if (s.begin < end || s.end <= s.begin || s.end > text.size())
            finding("find_pii", "span [" + std::to_string(s.begin) + ", " + std::to_string(s.end) + ") after " +
                                    std::to_string(end) + " in " + std::to_string(text.size()) + " bytes");
        end = s.end;
    }
    must_stay_utf8("mask_pii", lathe::mask_pii(text, spans));

    lathe::QualityScratch scratch;
    (void)lathe::quality_failure(text, scratch);
    (void)lathe::snippet(text, 40);
    for (auto script : {lathe::Script::Hangul, lathe::Script::Latin, lathe::Script::Cjk}) {
        const double share = lathe::script_share(text, script);
        if (!(share >= 0.0 && share <= 1.0)) finding("script_share", std::to_string(share));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    using Kind = lathe::CorpusFile::Kind;
    static const Kind kinds[] = {Kind::Lines, Kind::Whole, Kind::Json, Kind::Jsonl, Kind::Csv, Kind::Tsv};
    static const char* names[] = {"corpus.txt", "page.md", "corpus.json", "corpus.jsonl", "corpus.csv", "corpus.tsv"};
    const int k = data[0] % 6;
    lathe::CorpusFile file;
    file.path = lathe::fuzz::as_file(data + 1, size - 1, names[k]);
    file.kind = kinds[k];
    file.bytes = size - 1;
    if (data[0] & 0x80) file.renames = {{"body", "text"}, {"q", "instruction"}, {"a", "output"}};
    lathe::CorpusReadCallbacks callbacks;
    callbacks.on_doc = [&](lathe::CorpusDoc&& doc) {
        for (const auto& field : doc.fields) scrub(field.second);
        scrub(doc.joined());
        return true;
    };
    callbacks.on_error = [&](lathe::CorpusReadError&& e) {
        if (e.problem.file != file.path || e.problem.message.rfind(file.path, 0) != 0)
            finding("an unreadable record", "does not name its file: " + e.problem.message);
    };
    lathe::fuzz::expect_clean("corpus", [&] { lathe::read_corpus_file(file, 0, "text", callbacks); });
    return 0;
}
