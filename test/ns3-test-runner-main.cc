/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Debian ships no ns-3 test-runner; this main runs the TestSuites linked into it, with the
 * same command line (--suite=NAME, --list, --verbose) as ns-3's own runner.
 */
#include "ns3/test.h"

int
main(int argc, char** argv)
{
    return ns3::TestRunner::Run(argc, argv);
}
