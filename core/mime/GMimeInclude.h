#pragma once
// Includes GMime with Qt's `signals` keyword macro out of the way (gio's headers have a
// struct member named `signals`).

#pragma push_macro("signals")
#undef signals
#include <gmime/gmime.h>
#pragma pop_macro("signals")
