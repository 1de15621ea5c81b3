/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Replays every file of a directory through LLVMFuzzerTestOneInput without libFuzzer, so the
 * seed corpus and every crash input ever found run as a plain g++ regression test under ctest.
 */
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int
main(int argc, char** argv)
{
    if (argc != 2)
    {
        std::cerr << "usage: " << argv[0] << " CORPUS_DIR\n";
        return 2;
    }
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(argv[1], ec))
    {
        if (entry.is_regular_file())
        {
            files.push_back(entry.path());
        }
    }
    if (ec)
    {
        std::cerr << "cannot read " << argv[1] << ": " << ec.message() << "\n";
        return 1;
    }
    std::sort(files.begin(), files.end()); // a stable order makes a crash easy to attribute
    for (const auto& path : files)
    {
        std::ifstream in(path, std::ios::binary);
        const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                      std::istreambuf_iterator<char>());
        // An exactly-sized heap copy (as libFuzzer passes), so ASan flags any overread.
        auto exact = std::make_unique<std::uint8_t[]>(bytes.size() + (bytes.empty() ? 1 : 0));
        std::copy(bytes.begin(), bytes.end(), exact.get());
        LLVMFuzzerTestOneInput(exact.get(), bytes.size());
    }
    std::cout << "replayed " << files.size() << " inputs from " << argv[1] << "\n";
    if (files.empty())
    {
        std::cerr << "no inputs: wrong directory?\n";
        return 1;
    }
    return 0;
}
