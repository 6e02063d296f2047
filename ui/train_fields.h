// The Train tab's form as a table: one row per TrainConfig key with its group, editor kind, label and
// tooltip. The form is built by walking this table, so a new engine key is one new row.
#pragma once
#include <string>
#include <vector>

namespace lathe {
namespace ui {

enum class FieldGroup { Basic, Data, Output, Optimizer, Lora, Freeze, Qlora, Preference, NewModel, Engine };
enum class FieldKind { Int, Double, Bool, Choice, EditableChoice, Text, Dir, Datasets };

struct FieldChoice {
    const char* value;
    const char* label;  // translatable (context "lathe::ui::TrainForm"); nullptr = the value itself
};

struct FieldSpec {
    const char* key;
    FieldGroup group;
    FieldKind kind;
    const char* label;    // translatable
    const char* tooltip;  // translatable
    int min = 0, max = 0;  // Int
    std::vector<FieldChoice> choices;
};

// Every key the form edits, in display order. The model bar edits the rest (model_bar_keys()).
const std::vector<FieldSpec>& train_fields();
const FieldSpec* find_train_field(const char* key);
// Keys set from the model bar: model, adapter, template, new model preset, method, quantization.
const std::vector<const char*>& model_bar_keys();
// Translatable group titles.
const char* field_group_title(FieldGroup group);
// Whether a field means anything for this stage and preference loss. Only Preference fields depend on
// them (rm uses none: its group is hidden); every other field applies always.
bool field_applies(const char* key, const std::string& stage, const std::string& prefLoss);

}  // namespace ui
}  // namespace lathe
