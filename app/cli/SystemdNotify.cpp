#include "SystemdNotify.h"

#include <QtGlobal>

#ifdef Q_OS_LINUX
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#endif

namespace outpost::cli {

bool notifyServiceManager(const QByteArray &state)
{
#ifdef Q_OS_LINUX
    const QByteArray path = qgetenv("NOTIFY_SOCKET");
    sockaddr_un addr = {};
    // Only a path or an abstract name that fits; anything else is not a socket we could use.
    if (path.isEmpty() || path.size() >= qsizetype(sizeof(addr.sun_path)) ||
        (path.at(0) != '/' && path.at(0) != '@'))
        return false;
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.constData(), size_t(path.size()));
    if (path.at(0) == '@')
        addr.sun_path[0] = '\0'; // the abstract namespace
    const socklen_t len = socklen_t(offsetof(sockaddr_un, sun_path) + size_t(path.size()));
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    const ssize_t sent = ::sendto(fd, state.constData(), size_t(state.size()), MSG_NOSIGNAL,
                                  reinterpret_cast<const sockaddr *>(&addr), len);
    ::close(fd);
    return sent == state.size();
#else
    Q_UNUSED(state);
    return false;
#endif
}

} // namespace outpost::cli
