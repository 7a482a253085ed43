// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/helper.h"

int main(int argc, char **argv)
{
	return helper_main(argc, argv);
}
