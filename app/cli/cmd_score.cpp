// lathe-cli score --model DIR [--adapter DIR] --prompt P --response R: a reward model's score of one
// response, read at the last token of prompt + response through the chat template (as in training).
#include "app/cli/args.h"
#include "app/cli/common.h"
#include "core/data/encode.h"
#include "core/data/record.h"
#include "core/data/template.h"
#include "core/model/model_folder.h"
#include "core/model/value_head.h"
#include "core/peft/adapter_io.h"
#include "core/peft/params.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/device.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"

#include <cstdio>

namespace lathe::cli {

int cmd_score(int argc, char** argv) {
    if (wants_help(argc, argv)) {
        std::puts("usage: lathe-cli score --model DIR [--adapter DIR[,DIR...]] --prompt TEXT --response TEXT\n"
                  "       [--system TEXT] [--template NAME] [--cutoff-len N] [--device D] [--threads N]\n"
                  "Prints the reward a reward model (stage rm) gives the response. The value head is read from\n"
                  "value_head.safetensors in the last adapter folder, else in the model folder.");
        return 0;
    }
    Args args(argc, argv, 2, {},
              {"model", "adapter", "prompt", "response", "system", "template", "cutoff-len", "device", "threads"});
    const std::string dir = args.require("model");
    const std::string prompt = args.require("prompt"), response = args.require("response");
    set_threads(args.get_int("threads", 0));
    auto tok = Tokenizer::from_dir(dir);
    LoadOptions load;
    load.device = parse_device(args.get("device").value_or("auto"));
    auto model = load_causal_lm(dir, load);
    const auto adapters = split_list(args.get("adapter").value_or(""));
    merge_lora_adapters(model.ptr(), adapters, dir);

    // The value head sits beside what training wrote last: the adapter, or the model folder.
    std::string head_dir = dir;
    if (!adapters.empty() && (has_value_head(adapters.back()) || !has_value_head(dir))) head_dir = adapters.back();
    if (!has_value_head(head_dir))
        throw IoError(path_join(head_dir, kValueHeadFile) + ": not found; score needs a reward model trained with stage rm");
    ValueHead head = load_value_head(head_dir, model->config().hidden_size, model->device());

    const ChatTemplate& tmpl = *find_template(args.get("template").value_or(pick_template(tok.get(), model->config().model_type)));
    Sample s;
    s.prompt = {{Role::User, prompt}};
    s.response = {{Role::Assistant, response}};
    s.system = args.get("system").value_or("");
    s.source = "--prompt/--response";
    EncodeOptions eo;
    eo.cutoff_len = args.get_int("cutoff-len", 2048);
    Example e = encode_supervised(s, tmpl, *tok, eo);
    const double reward = score_sequences(*model, head, {e.input_ids})[0].item<double>();
    std::printf("%.6f\n", reward);
    return 0;
}

}  // namespace lathe::cli
