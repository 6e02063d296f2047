// Record -> Sample, with LLaMA-Factory's aligner semantics (alpaca and sharegpt/OpenAI formats)
// and stricter checks: a record that LLaMA-Factory would drop with a log line, or crash on, is a
// DataError here that names the record, the field and what was expected.
#pragma once
#include "core/data/dataset_entry.h"
#include "core/data/dataset_stage.h"
#include "core/data/record.h"
#include "core/util/error.h"

#include <string>

namespace lathe {

// Converts one record (a JSON object) for `stage`. `where` prefixes every message, e.g.
// "data/x.json record 17 (line 40)". Throws DataError.
//  pt       -> Text: alpaca: the user turn (prompt + "\n" + query); sharegpt: the first message.
//  sft, kto -> Chat: prompt ending on a user turn, one assistant/function response; kto also
//              needs the kto_tag column (a boolean, or "true"/"false" from a CSV).
//  ppo      -> Chat: as sft, but the response is optional (prompt-only records are fine).
//  rm, dpo  -> Preference: prompt ending on a user turn, response = {chosen, rejected}, which
//              must differ.
Sample convert_record(const nlohmann::json& record, const DatasetEntry& entry, Stage stage, const std::string& where);
Sample convert_alpaca(const nlohmann::json& record, const DatasetEntry& entry, Stage stage, const std::string& where);
Sample convert_sharegpt(const nlohmann::json& record, const DatasetEntry& entry, Stage stage, const std::string& where);

// What `entry` lacks to be converted for `stage` (no response column for sft, no chosen or
// rejected column for dpo, ...), as a problem with no place (the loader names the dataset); id "" when nothing.
Problem missing_columns(const DatasetEntry& entry, Stage stage);

// Replaces {{name}} and {{author}} in the text, system prompt and every message. An empty value
// leaves its placeholder as written (LLaMA-Factory never fills them).
void fill_placeholders(Sample& sample, const std::string& name, const std::string& author);

}  // namespace lathe
