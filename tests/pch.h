#pragma once
#include <torch/torch.h>
#include <QtTest>
#include <string>
#include <vector>
