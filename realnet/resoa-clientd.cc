/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * resoa-clientd: the client side of real ReSoA. Holds the raw socket (CAP_NET_RAW) that
 * speaks LHP to resoa-serverd, and serves libresoa-preload.so on a UNIX socket.
 */
#include "client-loop.h"
#include "daemon-config.h"
#include "log.h"

#include <csignal>
#include <exception>
#include <iostream>
#include <sstream>

int
main(int argc, char** argv)
{
    using namespace resoa::realnet;
    ClientConfig config;
    if (auto exitCode = LoadClientConfig(argc, argv, config, std::cout, std::cerr))
    {
        return *exitCode;
    }
    std::signal(SIGPIPE, SIG_IGN); // a shim that went away must not kill the daemon
    Logger log("resoa-clientd", config.logLevel);
    try
    {
        ClientLoop loop(config, log);
        loop.GetEventLoop().OnSignal(
            SIGHUP,
            [&](int)
            {
                // Re-read the same file and flags; what cannot change live is only logged.
                ClientConfig fresh;
                std::ostringstream out;
                std::ostringstream err;
                auto code = LoadClientConfig(argc, argv, fresh, out, err);
                if (code)
                {
                    log.Error("reload failed, keeping the running config: " + err.str());
                    return;
                }
                loop.Reload(fresh);
            });
        loop.Run();
    }
    catch (const std::exception& e)
    {
        log.Error(e.what());
        return 1;
    }
    log.Info("stopped");
    return 0;
}
