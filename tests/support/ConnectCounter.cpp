#include "ConnectCounter.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMutex>
#include <QSet>

#include <arpa/inet.h>
#include <cerrno>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace {

QMutex &lock()
{
    static QMutex m;
    return m;
}
QHash<quint16, int> &counts()
{
    static QHash<quint16, int> c;
    return c;
}
constexpr qint64 kBurstMs = 100;
QElapsedTimer &attemptClock()
{
    static QElapsedTimer c = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return c;
}
QHash<quint16, qint64> &lastStart()
{
    static QHash<quint16, qint64> l;
    return l;
}
QSet<int> &inProgress()
{
    static QSet<int> s;
    return s;
}

quint16 loopbackPort(const sockaddr *addr, socklen_t len)
{
    if (!addr)
        return 0;
    if (addr->sa_family == AF_INET && len >= socklen_t(sizeof(sockaddr_in))) {
        const auto *in = reinterpret_cast<const sockaddr_in *>(addr);
        if (ntohl(in->sin_addr.s_addr) == INADDR_LOOPBACK)
            return ntohs(in->sin_port);
    } else if (addr->sa_family == AF_INET6 && len >= socklen_t(sizeof(sockaddr_in6))) {
        const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(addr);
        const bool loop6 = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
        const bool mapped =
            IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
        if (loop6 || mapped)
            return ntohs(in6->sin6_port);
    }
    return 0;
}

} // namespace

extern "C" int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    using Fn = int (*)(int, const struct sockaddr *, socklen_t);
    static const Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "connect"));
    const int r = real(fd, addr, len);
    const int saved = errno;
    const quint16 port = loopbackPort(addr, len);
    if (port != 0) {
        QMutexLocker g(&lock());
        const bool pending = r < 0 && (saved == EINPROGRESS || saved == EALREADY);
        // a new attempt either starts (EINPROGRESS) or ends at once; Qt's completion check
        // on the same descriptor returns EALREADY, EISCONN, 0 or the final error
        if ((r < 0 && saved == EINPROGRESS) || !inProgress().contains(fd)) {
            // Qt 6.4 makes a refused connectToHost() try twice, back to back (two SYNs);
            // attempts that start within kBurstMs of the previous one count once.
            const qint64 t = attemptClock().elapsed();
            qint64 &last = lastStart()[port];
            if (last == 0 || t - last > kBurstMs)
                ++counts()[port];
            last = t == 0 ? 1 : t;
        }
        if (pending)
            inProgress().insert(fd);
        else
            inProgress().remove(fd);
    }
    errno = saved;
    return r;
}

namespace outpost::testsupport {

int connectAttempts(quint16 port)
{
    QMutexLocker g(&lock());
    return counts().value(port);
}

} // namespace outpost::testsupport
