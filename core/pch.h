// Precompiled header for lathe_core (see core/CMakeLists.txt). Only the engine sees this.
#pragma once
#include <torch/torch.h>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>
