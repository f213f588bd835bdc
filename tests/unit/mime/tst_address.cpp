#include "mime/Address.h"
#include <QtTest>
using namespace outpost::mime;
class TestAddress : public QObject
{
    Q_OBJECT
private slots:
    void dummy() {}
};
QTEST_GUILESS_MAIN(TestAddress)
#include "tst_address.moc"
