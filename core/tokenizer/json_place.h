// Problems inside a tokenizer.json, as data: the parsers name a place as "FILE: json.path" (HfTokenizer
// builds it from the file's path and hands it down, adding ".normalizers[1]" and the like).
#pragma once
#include "core/util/messages.h"

#include <string>
#include <vector>

namespace lathe {

// Problem `id` at `where` ("FILE: json.path"): placed at FILE, the JSON path as the first argument (the
// forms start "{0}: "), so the English message is "FILE: json.path: ..." as the parsers always wrote it.
inline Problem tokenizer_json_problem(const std::string& where, const std::string& id, std::vector<std::string> args) {
    const size_t colon = where.rfind(": ");
    if (colon == std::string::npos) {
        args.insert(args.begin(), where);
        return plain_problem(id, std::move(args));
    }
    args.insert(args.begin(), where.substr(colon + 2));
    return file_problem(where.substr(0, colon), 0, 0, id, std::move(args));
}

}  // namespace lathe
