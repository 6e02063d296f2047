// The thread policy (core/util/threads.h): never more threads busy at once than asked for, whichever
// pools the process has, and apply_threads() sets the pools it plans.
#include "tests/registry.h"

#include "core/util/threads.h"

#include <torch/torch.h>

#include <algorithm>

#include <QtTest>

using namespace lathe;

namespace {

ThreadRequest request(int requested, int cores, bool blas_pool, bool passive, MatmulPool matmuls = MatmulPool::Blas) {
    ThreadRequest r;
    r.requested = requested;
    r.cores = cores;
    r.separate_blas_pool = blas_pool;
    r.openmp_passive = passive;
    r.matmuls = matmuls;
    return r;
}

// Threads that may be busy at the same moment: with spinning OpenMP, both pools' threads; with passive
// OpenMP the pools take turns (one's threads sleep while the other's work).
int busy_at_once(const ThreadRequest& r, const ThreadPlan& p) {
    if (!r.separate_blas_pool) return p.intra_op;
    return r.openmp_passive ? std::max(p.intra_op, p.blas) : p.intra_op + p.blas - 1;
}

}  // namespace

class TestThreads : public QObject {
    Q_OBJECT
private slots:
    void zeroMeansOnePerCore() {
        QCOMPARE(plan_threads(request(0, 2, false, false)).intra_op, 2);
        QCOMPARE(plan_threads(request(0, 8, true, true)).intra_op, 8);
        QCOMPARE(plan_threads(request(0, 8, true, true)).blas, 8);
        QCOMPARE(plan_threads(request(0, 0, false, false)).intra_op, 1);  // unknown cores: one
    }

    void withoutABlasPoolEverythingIsLibTorchs() {
        const ThreadPlan p = plan_threads(request(3, 2, false, false));
        QCOMPARE(p.intra_op, 3);  // asked for: honoured even above the core count
        QCOMPARE(p.blas, 0);      // nothing to set
        QCOMPARE(p.why.message, std::string("3 threads"));
    }

    void oneThreadIsOneInBothPools() {
        for (bool passive : {false, true}) {
            const ThreadPlan p = plan_threads(request(1, 16, true, passive));
            QCOMPARE(p.intra_op, 1);
            QCOMPARE(p.blas, 1);
        }
    }

    // Spinning OpenMP next to OpenBLAS's pool: the pool that does the matrix products gets the threads.
    void spinningOpenMpGivesTheProductsPoolTheThreads() {
        ThreadPlan p = plan_threads(request(2, 2, true, false, MatmulPool::Blas));
        QCOMPARE(p.blas, 2);
        QCOMPARE(p.intra_op, 1);
        QVERIFY2(p.why.message.find("OMP_WAIT_POLICY") != std::string::npos, p.why.message.c_str());
        p = plan_threads(request(4, 4, true, false, MatmulPool::IntraOp));
        QCOMPARE(p.intra_op, 4);
        QCOMPARE(p.blas, 1);
    }

    void passiveOpenMpSharesTheThreads() {
        const ThreadPlan p = plan_threads(request(2, 2, true, true));
        QCOMPARE(p.intra_op, 2);
        QCOMPARE(p.blas, 2);
        QVERIFY2(p.why.message.find("passive") != std::string::npos, p.why.message.c_str());
    }

    // The property the policy exists for, over every combination.
    void neverMoreBusyThreadsThanAskedFor() {
        for (int cores : {1, 2, 4, 16})
            for (int requested : {0, 1, 2, 3, 8})
                for (bool blas : {false, true})
                    for (bool passive : {false, true})
                        for (MatmulPool m : {MatmulPool::Blas, MatmulPool::IntraOp}) {
                            const ThreadRequest r = request(requested, cores, blas, passive, m);
                            const ThreadPlan p = plan_threads(r);
                            const int wanted = requested > 0 ? requested : cores;
                            const QString label = QString("cores %1, requested %2, blas pool %3, passive %4, %5")
                                                      .arg(cores).arg(requested).arg(blas).arg(passive)
                                                      .arg(m == MatmulPool::Blas ? "blas" : "intra-op");
                            QVERIFY2(p.intra_op >= 1, qPrintable(label));
                            QVERIFY2(busy_at_once(r, p) <= wanted, qPrintable(label));
                            // and the products' pool gets all of them
                            const int products = m == MatmulPool::Blas && blas ? p.blas : p.intra_op;
                            QVERIFY2(products == wanted, qPrintable(label));
                            QVERIFY2(!p.why.message.empty() && !p.why.id.empty(), qPrintable(label));
                        }
    }

    void applySetsLibTorchsPool() {
        const ThreadPlan one = apply_threads(1);
        QCOMPARE(torch::get_num_threads(), 1);
        QCOMPARE(current_thread_plan().intra_op, one.intra_op);
        if (blas_threads() > 0) QCOMPARE(blas_threads(), 1);
        QVERIFY(available_cores() >= 1);
        const ThreadPlan two = apply_threads(2);
        QCOMPARE(torch::get_num_threads(), two.intra_op);
        if (blas_threads() > 0) QCOMPARE(blas_threads(), two.blas);
        apply_threads(0);
    }
};

LATHE_TEST(TestThreads)
#include "test_threads.moc"
