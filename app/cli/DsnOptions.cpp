#include "DsnOptions.h"

#include "Words.h"

namespace outpost::cli {

bool dsnRequestFrom(const DsnOptions &o, DsnRequest *request, QString *problem)
{
    DsnRequest d;
    if (o.notify) {
        QString bad;
        const DsnProblem p = parseDsnNotify(*o.notify, &d.notify, &bad);
        if (p != DsnProblem::None) {
            *problem = describeDsnProblem(p, o.names.value(0), bad);
            return false;
        }
    }
    if (o.ret) {
        const DsnProblem p = parseDsnRet(*o.ret, &d.ret);
        if (p != DsnProblem::None) {
            *problem = describeDsnProblem(p, o.names.value(1), *o.ret);
            return false;
        }
    }
    if (o.envid) {
        const DsnProblem p = checkDsnEnvid(*o.envid);
        if (p != DsnProblem::None) {
            *problem = describeDsnProblem(p, o.names.value(2), *o.envid);
            return false;
        }
        d.envid = o.envid->toLatin1();
    }
    *request = d;
    return true;
}

} // namespace outpost::cli
