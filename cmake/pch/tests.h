// Precompiled for every test binary (cmake/Precompiled.cmake): the components' headers plus
// googletest.
#pragma once

#include "src.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
