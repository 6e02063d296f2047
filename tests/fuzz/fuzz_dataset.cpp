// A dataset file as JSON (an array), JSONL, CSV or plain text (the first byte picks), every record read and
// converted as an alpaca and as a sharegpt dataset for each stage, as training would.
#include "core/data/converters.h"
#include "core/data/dataset_entry.h"
#include "core/data/dataset_stage.h"
#include "core/data/file_readers.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static const lathe::FileType types[] = {lathe::FileType::Json, lathe::FileType::Jsonl, lathe::FileType::Csv,
                                            lathe::FileType::Txt};
    static const char* names[] = {"data.json", "data.jsonl", "data.csv", "data.txt"};
    const int k = data[0] % 4;
    const std::string path = lathe::fuzz::as_file(data + 1, size - 1, names[k]);
    lathe::fuzz::expect_clean("dataset", [&] {
        lathe::read_records(path, types[k], [&](lathe::RawRecord& record) {
            if (record.failed()) return true;
            for (auto formatting : {lathe::DatasetFormat::Alpaca, lathe::DatasetFormat::Sharegpt})
                for (auto stage : {lathe::Stage::Pt, lathe::Stage::Sft, lathe::Stage::Rm, lathe::Stage::Dpo, lathe::Stage::Kto}) {
                    lathe::DatasetEntry entry;
                    entry.name = "fuzz";
                    entry.formatting = formatting;
                    entry.ranking = stage == lathe::Stage::Rm || stage == lathe::Stage::Dpo;
                    if (entry.ranking) entry.columns.chosen = "chosen", entry.columns.rejected = "rejected";
                    if (stage == lathe::Stage::Kto) entry.columns.kto_tag = "kto_tag";
                    if (formatting == lathe::DatasetFormat::Sharegpt) entry.columns.system = "system";
                    lathe::fuzz::expect_clean("dataset record", [&] {
                        (void)lathe::convert_record(record.value, entry, stage, lathe::record_location(path, record));
                    });
                }
            return true;
        });
    });
    return 0;
}
