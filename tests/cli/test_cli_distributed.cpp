// Data-parallel training through lathe-cli (issue 13): `--nproc-per-node 2` runs two worker processes
// over a Gloo process group and gives the same losses and final weights as one process with the same global
// batch, for LoRA and for full fine-tuning; only rank 0 writes; a killed worker ends the run with a
// message naming it and leaves only whole checkpoints; a run resumes with another number of processes;
// a port in use, a master nobody serves and wrong torchrun variables each give a clear error.
#include "tests/cli/cli_fixtures.h"
#include "tests/child_processes.h"

#include "core/dist/collective.h"
#include "core/io/json_file.h"
#include "core/train/checkpoint.h"
#include "tests/core/train/train_fixtures.h"

#include <QProcess>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

using namespace lathe;

namespace {

std::string write_run_config(const test::TinyWorld& w, const std::string& name, const std::string& method) {
    TrainConfig c = test::tiny_run(w, test::scratch_dir() + "/" + name, method);
    c.threads = 1;
    c.max_steps = 4;
    const std::string path = test::scratch_dir() + "/" + name + ".yaml";
    write_file_atomic(path, c.to_yaml());
    return path;
}

double train_loss(const std::string& run_dir) {
    return read_json_file(run_dir + "/train_results.json").at("train_loss").get<double>();
}

// The pid of the worker of `launcher` whose environment says RANK=<rank>, or -1.
pid_t worker_pid(qint64 launcher, int rank) {
    for (pid_t pid : test::child_processes(static_cast<pid_t>(launcher)))
        if (test::environment_has(pid, "RANK=" + std::to_string(rank))) return pid;
    return -1;
}

// A TCP socket listening on a loopback port the kernel picked; closed with the object.
struct Listener {
    int fd = -1;
    int port = 0;
    Listener() {
        fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(fd, 4) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
            port = ntohs(a.sin_port);
    }
    ~Listener() { close(); }
    void close() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

}  // namespace

class TestCliDistributed : public QObject {
    Q_OBJECT

    test::TinyWorld world_;

    // One process at global batch 4 against two at 2 each: same losses, same final weights.
    void compareWithOneProcess(const std::string& method, const std::vector<std::string>& two,
                               const std::vector<std::string>& one, const std::string& weights) {
        const std::string cfg = write_run_config(world_, "ddp-" + method, method);
        const std::string single = test::scratch_dir() + "/ddp-" + method + "-1";
        const std::string pair = test::scratch_dir() + "/ddp-" + method + "-2";
        std::vector<std::string> args_a{"train", cfg, "output_dir=" + single};
        args_a.insert(args_a.end(), one.begin(), one.end());
        std::vector<std::string> args_b{"train", cfg, "output_dir=" + pair};
        args_b.insert(args_b.end(), two.begin(), two.end());
        auto a = test::run_cli(args_a);
        QVERIFY2(a.code == 0, (a.why() + a.out).c_str());
        auto b = test::run_cli(args_b);
        QVERIFY2(b.code == 0, (b.why() + b.out).c_str());
        QVERIFY2(test::contains(b.err, "launching 2 process(es)"), b.err.c_str());
        QVERIFY2(test::contains(b.out, "finished: 4 steps"), b.out.c_str());

        const auto rows_a = test::timeless_log(single), rows_b = test::timeless_log(pair);
        QCOMPARE(rows_b.size(), size_t(4));  // rank 0 alone wrote the log
        QCOMPARE(rows_a.size(), rows_b.size());
        for (size_t i = 0; i < rows_a.size(); ++i) {
            QVERIFY2(std::abs(rows_a[i]["loss"].get<double>() - rows_b[i]["loss"].get<double>()) <= 1.01e-4,
                     (rows_a[i].dump() + " | " + rows_b[i].dump()).c_str());
            QVERIFY2(std::abs(rows_a[i]["grad_norm"].get<double>() - rows_b[i]["grad_norm"].get<double>()) <= 1.01e-4,
                     (rows_a[i].dump() + " | " + rows_b[i].dump()).c_str());
            QCOMPARE(rows_b[i]["world_size"].get<int>(), 2);
            QCOMPARE(rows_a[i]["total_tokens"].get<int64_t>(), rows_b[i]["total_tokens"].get<int64_t>());
        }
        QVERIFY2(std::abs(train_loss(single) - train_loss(pair)) <= 1e-5,
                 (std::to_string(train_loss(single)) + " vs " + std::to_string(train_loss(pair))).c_str());
        const double diff = test::max_file_diff(single + "/" + weights, pair + "/" + weights);
        QVERIFY2(diff <= 1e-5, std::to_string(diff).c_str());
        QCOMPARE(read_json_file(pair + "/trainer_state.json").at("lathe").at("world_size").get<int>(), 2);
    }

private slots:
    void initTestCase() {
        if (!collectives_available()) QSKIP("this build has no Gloo headers (libgloo-dev)");
        world_ = test::make_tiny_world("ddp-world", 16);
    }

    void loraTwoProcessesEqualOne() {
        // Two ranks x 1 example x 2 accumulation steps against one process x 2 x 2.
        compareWithOneProcess("lora", {"per_device_train_batch_size=1", "gradient_accumulation_steps=2", "--nproc-per-node", "2"},
                              {"per_device_train_batch_size=2", "gradient_accumulation_steps=2"}, "adapter_model.safetensors");
    }

    void fullTwoProcessesEqualOne() {
        // Two ranks x 2 examples against one process x 4 (no accumulation); the processes from the config's
        // nproc_per_node (the studio's "Processes"), as --nproc-per-node.
        // One tensor per gradient bucket: the sums start during the backward, tensor by tensor (the output
        // head, whose gradient arrives chunk by chunk, is summed whole at the first step, then last).
        compareWithOneProcess("full", {"per_device_train_batch_size=2", "gradient_accumulation_steps=1", "nproc_per_node=2",
                                       "ddp_bucket_cap_mb=0"},
                              {"per_device_train_batch_size=4", "gradient_accumulation_steps=1"}, "model.safetensors");
    }

    void everyStageAndMethodRuns() {
        // Each stage (pt full; rm, dpo, kto LoRA) and each other method (freeze, DoRA, QLoRA) on two processes,
        // with the bundled datasets and one tensor per gradient bucket; DPO's pairs are independent, so its
        // adapter equals one process's.
        const std::string cfg = test::scratch_dir() + "/ddp-stages.yaml";
        write_file_atomic(cfg, "model_name_or_path: " + world_.model_dir + "\ntemplate: chatml\ndataset_dir: " LATHE_SOURCE_DIR
                               "/datasets\nmax_samples: 8\ncutoff_len: 48\nper_device_train_batch_size: 2\n"
                               "gradient_accumulation_steps: 1\nmax_steps: 2\nlogging_steps: 1\nsave_steps: 0\n"
                               "learning_rate: 1.0e-3\nlora_rank: 4\nthreads: 1\nbf16: false\nddp_bucket_cap_mb: 0\n");
        const std::vector<std::vector<std::string>> runs = {
            {"pt", "stage=pt", "finetuning_type=full", "dataset=c4_demo"},
            // A new model: rank 0 trains its tokenizer and makes it, the other rank takes its config.
            {"new", "stage=pt", "finetuning_type=full", "dataset=c4_demo", "create_new_model=tiny",
             "model_name_or_path=" + test::scratch_dir() + "/ddp-new-model-source"},
            {"rm", "stage=rm", "finetuning_type=lora", "dataset=dpo_en_demo"},
            {"dpo", "stage=dpo", "finetuning_type=lora", "dataset=dpo_en_demo"},
            {"kto", "stage=kto", "finetuning_type=lora", "dataset=kto_en_demo"},
            {"freeze", "stage=sft", "finetuning_type=freeze", "freeze_trainable_layers=1", "dataset=alpaca_en_demo"},
            {"dora", "stage=sft", "finetuning_type=lora", "use_dora=true", "dataset=alpaca_en_demo"},
            {"qlora", "stage=sft", "finetuning_type=lora", "quantization_bit=4", "dataset=alpaca_en_demo"},
        };
        for (const auto& run : runs) {
            std::vector<std::string> args{"train", cfg, "output_dir=" + test::scratch_dir() + "/ddp-stage-" + run[0],
                                          "--nproc-per-node", "2"};
            args.insert(args.end(), run.begin() + 1, run.end());
            auto r = test::run_cli(args);
            QVERIFY2(r.code == 0 && test::contains(r.out, "finished: 2 steps"), (run[0] + ": " + r.why()).c_str());
        }
        for (const std::string pre : {"false", "true"}) {
            // With precompute_ref_log_probs each rank runs every other batch of the reference pass and they
            // share the values: the same adapter again.
            const std::string two = test::scratch_dir() + "/ddp-stage-dpo" + (pre == "true" ? "-pre" : "");
            if (pre == "true") {
                auto r = test::run_cli({"train", cfg, "output_dir=" + two, "stage=dpo", "finetuning_type=lora",
                                        "dataset=dpo_en_demo", "precompute_ref_log_probs=true", "--nproc-per-node", "2"});
                QVERIFY2(r.code == 0, r.why().c_str());
                QVERIFY2(test::contains(r.err, "(its batches shared out among 2 processes)"), r.err.c_str());
            }
            auto single = test::run_cli({"train", cfg, "output_dir=" + two + "-1", "stage=dpo", "finetuning_type=lora",
                                         "dataset=dpo_en_demo", "per_device_train_batch_size=4",
                                         "precompute_ref_log_probs=" + pre});
            QVERIFY2(single.code == 0, single.why().c_str());
            const double diff = test::max_file_diff(two + "/adapter_model.safetensors", two + "-1/adapter_model.safetensors");
            QVERIFY2(diff <= 1e-5, (pre + ": " + std::to_string(diff)).c_str());
        }
    }

    void zeroOneShardsTheOptimizerStateAndChangesNothingElse() {
        // Full fine-tuning on two processes with and without ZeRO-1, a checkpoint at step 2 of 4: the same
        // weights, and the same whole optimizer state in the checkpoint (rank 0 gathered the other half).
        const std::string cfg = write_run_config(world_, "ddp-zero", "full");
        const std::string plain = test::scratch_dir() + "/ddp-zero-0", zero = test::scratch_dir() + "/ddp-zero-1";
        for (const auto& [out, stage] : {std::pair{plain, "0"}, std::pair{zero, "1"}}) {
            auto r = test::run_cli({"train", cfg, "output_dir=" + out, "per_device_train_batch_size=2",
                                    "gradient_accumulation_steps=1", "save_steps=2", std::string("zero_stage=") + stage,
                                    "--nproc-per-node", "2"});
            QVERIFY2(r.code == 0, (r.why() + r.out).c_str());
        }
        QCOMPARE(test::max_file_diff(plain + "/model.safetensors", zero + "/model.safetensors"), 0.0);
        std::string optimizer_file;
        for (const auto& e : std::filesystem::directory_iterator(plain + "/checkpoint-2"))
            if (e.path().filename().string().find("optimizer") != std::string::npos) optimizer_file = e.path().filename().string();
        QVERIFY(!optimizer_file.empty());
        QCOMPARE(test::max_file_diff(plain + "/checkpoint-2/" + optimizer_file, zero + "/checkpoint-2/" + optimizer_file), 0.0);
        QVERIFY(test::contains(read_file(zero + "/running_log.txt"), "AdamW state sharded (ZeRO-1)"));

        // Resumed from checkpoint-2 with ZeRO-1 on, it ends where the uninterrupted run ended.
        std::filesystem::remove(zero + "/model.safetensors");
        auto again = test::run_cli({"train", cfg, "output_dir=" + zero, "per_device_train_batch_size=2",
                                    "gradient_accumulation_steps=1", "zero_stage=1", "resume_from_checkpoint=" + zero + "/checkpoint-2",
                                    "--nproc-per-node", "2"});
        QVERIFY2(again.code == 0, (again.why() + again.out).c_str());
        QCOMPARE(test::max_file_diff(plain + "/model.safetensors", zero + "/model.safetensors"), 0.0);
    }

    void resumeWithAnotherWorldSize() {
        // Two processes save checkpoint-2; one process at the same global batch goes on from it and ends
        // where one process from the start ends.
        const std::string cfg = write_run_config(world_, "ddp-resume", "lora");
        const std::string reference = test::scratch_dir() + "/ddp-resume-ref";
        const std::string out = test::scratch_dir() + "/ddp-resume";
        auto ref = test::run_cli({"train", cfg, "output_dir=" + reference, "per_device_train_batch_size=4",
                                  "gradient_accumulation_steps=1"});
        QVERIFY2(ref.code == 0, ref.why().c_str());
        auto first = test::run_cli({"train", cfg, "output_dir=" + out, "per_device_train_batch_size=2",
                                    "gradient_accumulation_steps=1", "save_steps=2", "--nproc-per-node", "2"});
        QVERIFY2(first.code == 0, first.why().c_str());
        // As if the two-process run had died after its checkpoint at step 2.
        std::filesystem::remove_all(out + "/checkpoint-4");
        std::filesystem::remove(out + "/adapter_model.safetensors");
        auto second = test::run_cli({"train", cfg, "output_dir=" + out, "per_device_train_batch_size=4",
                                     "gradient_accumulation_steps=1", "resume_from_checkpoint=" + out + "/checkpoint-2"});
        QVERIFY2(second.code == 0, (second.why() + second.out).c_str());
        QVERIFY2(test::contains(second.err, "written by 2 process(es), this run has 1"), second.err.c_str());
        const double diff = test::max_file_diff(reference + "/adapter_model.safetensors", out + "/adapter_model.safetensors");
        QVERIFY2(diff <= 1e-5, std::to_string(diff).c_str());
    }

    void workersStartedByAnotherLauncher() {
        // Two workers started as torchrun (or SLURM) would: torchrun's variables, no --nproc-per-node.
        const std::string cfg = write_run_config(world_, "ddp-outside", "lora");
        const std::string out = test::scratch_dir() + "/ddp-outside";
        auto start = [&](QProcess& p, int rank, int port, const QStringList& extra) {
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert("RANK", QString::number(rank));
            env.insert("LOCAL_RANK", QString::number(rank));
            env.insert("WORLD_SIZE", "2");
            env.insert("MASTER_ADDR", "127.0.0.1");
            env.insert("MASTER_PORT", QString::number(port));
            p.setProcessEnvironment(env);
            p.start(QStringLiteral(LATHE_CLI_EXE), QStringList{"train", QString::fromStdString(cfg),
                                                               QString::fromStdString("output_dir=" + out), "save_steps=2",
                                                               "ddp_timeout=60"} + extra);
        };
        int port = 0;
        {
            Listener probe;
            port = probe.port;
        }
        QProcess r0, r1;
        start(r0, 0, port, {});
        start(r1, 1, port, {});
        QVERIFY(r0.waitForFinished(120000) && r1.waitForFinished(120000));
        QVERIFY2(r0.exitCode() == 0 && r1.exitCode() == 0, (r0.readAllStandardError() + r1.readAllStandardError()).constData());
        QVERIFY(test::contains(r0.readAllStandardOutput().toStdString(), "finished: 4 steps"));
        QVERIFY(r1.readAllStandardOutput().isEmpty());  // rank 1 reports nothing when all is well
        QCOMPARE(test::timeless_log(out).size(), size_t(4));

        // Ranks that would resume from different checkpoints (here rank 1 from none) refuse to start.
        {
            Listener probe;
            port = probe.port;
        }
        start(r0, 0, port, {QString::fromStdString("resume_from_checkpoint=" + out + "/checkpoint-2")});
        start(r1, 1, port, {});
        QVERIFY(r0.waitForFinished(120000) && r1.waitForFinished(120000));
        const std::string err = r0.readAllStandardError().toStdString();
        QCOMPARE(r0.exitCode(), 1);
        QCOMPARE(r1.exitCode(), 1);
        QVERIFY2(test::contains(err, "rank 0: resume_from_checkpoint: the ranks do not see the same checkpoint"), err.c_str());
    }

    void twoMachinesMeetAtNodeZero() {
        // A two-machine run played on one host: machine 0 launched with torchrun's flags, machine 1 with the
        // config's keys (the studio's Engine fields). Each starts one worker; together they train as one
        // run, machine 0 writes it.
        const std::string cfg = write_run_config(world_, "ddp-nodes", "lora");
        const std::string out = test::scratch_dir() + "/ddp-nodes";
        int port = 0;
        {
            Listener probe;
            port = probe.port;
        }
        QProcess node0, node1;
        node0.start(QStringLiteral(LATHE_CLI_EXE),
                    {"train", QString::fromStdString(cfg), QString::fromStdString("output_dir=" + out), "ddp_timeout=60",
                     "--nproc-per-node", "1", "--nnodes", "2", "--node-rank", "0", "--master-addr", "127.0.0.1",
                     "--master-port", QString::number(port)});
        node1.start(QStringLiteral(LATHE_CLI_EXE),
                    {"train", QString::fromStdString(cfg), QString::fromStdString("output_dir=" + out), "ddp_timeout=60",
                     "nnodes=2", "node_rank=1", "master_addr=127.0.0.1", QStringLiteral("master_port=%1").arg(port)});
        QVERIFY(node0.waitForFinished(180000) && node1.waitForFinished(180000));
        const std::string err0 = node0.readAllStandardError().toStdString(), err1 = node1.readAllStandardError().toStdString();
        QVERIFY2(node0.exitCode() == 0 && node1.exitCode() == 0, (err0 + " | " + err1).c_str());
        QVERIFY2(test::contains(err0, "ranks 0-0 of 2"), err0.c_str());
        QVERIFY2(test::contains(err1, "ranks 1-1 of 2), rendezvous at 127.0.0.1:" + std::to_string(port)), err1.c_str());
        QVERIFY(test::contains(node0.readAllStandardOutput().toStdString(), "finished: 4 steps"));
        const auto rows = test::timeless_log(out);
        QCOMPARE(rows.size(), size_t(4));
        for (const auto& row : rows) QCOMPARE(row["world_size"].get<int>(), 2);
        // The shape the flags gave is in the run's record.
        const TrainConfig saved = TrainConfig::from_yaml_file(out + "/training_args.yaml");
        QCOMPARE(saved.nnodes, 2);
        QCOMPARE(saved.master_addr, std::string("127.0.0.1"));
        QCOMPARE(saved.master_port, port);
    }

    void machinesNeedAnAddressAndEachOther() {
        const std::string cfg = write_run_config(world_, "ddp-lonely", "lora");
        // Several machines without node 0's address: refused before anything starts, naming the key.
        auto r = test::run_cli({"train", cfg, "--nnodes", "2"});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "master_addr: a run on 2 machines needs the address of node 0"), r.err.c_str());
        r = test::run_cli({"train", cfg, "nnodes=2", "node_rank=2", "master_addr=127.0.0.1"});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "node_rank: must be in [0, 1]"), r.err.c_str());
        // Machine 0 alone: after ddp_timeout it says how many came.
        Listener probe;
        const int port = probe.port;
        probe.close();
        r = test::run_cli({"train", cfg, "output_dir=" + test::scratch_dir() + "/ddp-lonely", "ddp_timeout=2", "--nnodes",
                           "2", "--master-addr", "127.0.0.1", "--master-port", std::to_string(port)},
                          {}, 120000);
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "only 1 of 2 ranks met at 127.0.0.1:" + std::to_string(port)), r.err.c_str());
    }

    void predictionsOnlyOnRankZero() {
        // A predict-only config launched on two processes: rank 0 predicts, alone, so every sample is in
        // generated_predictions.jsonl once.
        const std::string cfg = write_run_config(world_, "ddp-predict", "lora");
        const std::string out = test::scratch_dir() + "/ddp-predict";
        auto r = test::run_cli({"train", cfg, "output_dir=" + out, "do_train=false", "do_predict=true",
                                "predict_with_generate=true", "eval_dataset=toy", "max_samples=3", "max_new_tokens=4",
                                "--nproc-per-node", "2"});
        QVERIFY2(r.code == 0, (r.why() + r.out).c_str());
        std::ifstream in(out + "/generated_predictions.jsonl");
        std::string line;
        int rows = 0;
        while (std::getline(in, line)) rows += !line.empty();
        QCOMPARE(rows, 3);
        size_t reports = 0;  // each predicting process prints one "predicted N of M samples" line
        for (size_t at = r.out.find("predicted "); at != std::string::npos; at = r.out.find("predicted ", at + 1)) ++reports;
        QVERIFY2(reports == 1, r.out.c_str());
    }

    void ctrlCStopsEveryRankWithACheckpoint() {
        // Ctrl-C reaches the launcher (the workers have process groups of their own); it passes it on once,
        // every rank stops before the same step, rank 0 writes a checkpoint, and the launcher exits 130.
        const std::string cfg = write_run_config(world_, "ddp-ctrlc", "lora");
        const std::string out = test::scratch_dir() + "/ddp-ctrlc";
        QProcess p;
        p.start(QStringLiteral(LATHE_CLI_EXE), {"train", QString::fromStdString(cfg), QString::fromStdString("output_dir=" + out),
                                                "max_steps=100000", "per_device_train_batch_size=1", "--nproc-per-node", "2"});
        QVERIFY(p.waitForStarted(30000));
        QTRY_VERIFY_WITH_TIMEOUT(test::timeless_log(out).size() >= 2, 120000);
        const auto workers = test::child_processes(static_cast<pid_t>(p.processId()));
        QCOMPARE(workers.size(), size_t(2));
        QCOMPARE(::kill(static_cast<pid_t>(p.processId()), SIGINT), 0);
        QVERIFY2(p.waitForFinished(60000), "the launcher did not stop after Ctrl-C");
        const std::string err = p.readAllStandardError().toStdString();
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(test::contains(err, "stopped: aborted at step"), err.c_str());
        QVERIFY2(!test::contains(err, "the run failed"), err.c_str());
        const auto checkpoints = list_checkpoints(out);
        QCOMPARE(checkpoints.size(), size_t(1));
        QVERIFY(file_exists(checkpoints[0] + "/adapter_model.safetensors"));
        for (pid_t w : workers) QVERIFY(!std::filesystem::exists("/proc/" + std::to_string(w) + "/exe"));  // both ended
    }

    void killedWorkerEndsTheRun() {
        const std::string cfg = write_run_config(world_, "ddp-kill", "lora");
        const std::string out = test::scratch_dir() + "/ddp-kill";
        QProcess p;
        p.start(QStringLiteral(LATHE_CLI_EXE),
                {"train", QString::fromStdString(cfg), QString::fromStdString("output_dir=" + out), "max_steps=100000",
                 "save_steps=3", "per_device_train_batch_size=1", "--nproc-per-node", "2"});
        QVERIFY(p.waitForStarted(30000));
        // Wait for a few logged steps (and a checkpoint), then kill rank 1 as the kernel's OOM killer would.
        QTRY_VERIFY_WITH_TIMEOUT(test::timeless_log(out).size() >= 4, 120000);
        const pid_t victim = worker_pid(p.processId(), 1);
        QVERIFY(victim > 0);
        QCOMPARE(::kill(victim, SIGKILL), 0);
        QVERIFY2(p.waitForFinished(60000), "the launcher did not end after a worker died");
        const std::string err = p.readAllStandardError().toStdString();
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(test::contains(err, "rank 1 was killed by signal 9"), err.c_str());
        // Every checkpoint under its final name is whole; rank 1 never wrote one.
        int whole = 0;
        for (const auto& e : std::filesystem::directory_iterator(out)) {
            const std::string name = e.path().filename().string();
            if (name.rfind("checkpoint-", 0) != 0 || name.find('.') != std::string::npos) continue;
            QVERIFY2(file_exists(e.path().string() + "/trainer_state.json") &&
                         file_exists(e.path().string() + "/adapter_model.safetensors"),
                     name.c_str());
            ++whole;
        }
        QVERIFY(whole >= 1);
    }

    void portInUseIsNamed() {
        Listener busy;
        QVERIFY(busy.port > 0);
        const std::string cfg = write_run_config(world_, "ddp-port", "lora");
        auto r = test::run_cli({"train", cfg, "output_dir=" + test::scratch_dir() + "/ddp-port", "ddp_timeout=20",
                                "--nproc-per-node", "2", "--master-port", std::to_string(busy.port)},
                               {}, 120000);
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "the port is in use"), r.err.c_str());
    }

    void unreachableMasterAndBadVariables() {
        const std::string cfg = write_run_config(world_, "ddp-alone", "lora");
        // Rank 1 of 2 with nobody serving the rendezvous: it gives up after ddp_timeout.
        Listener probe;
        const int port = probe.port;
        QVERIFY(port > 0);
        probe.close();
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("RANK", "1");
        env.insert("WORLD_SIZE", "2");
        env.insert("MASTER_ADDR", "127.0.0.1");
        env.insert("MASTER_PORT", QString::number(port));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(LATHE_CLI_EXE), {"train", QString::fromStdString(cfg), "ddp_timeout=3",
                                                QString::fromStdString("output_dir=" + test::scratch_dir() + "/ddp-alone")});
        QVERIFY(p.waitForFinished(120000));
        const std::string err = p.readAllStandardError().toStdString();
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(test::contains(err, "rank 1 could not reach the master at 127.0.0.1:" + std::to_string(port)), err.c_str());

        env.insert("RANK", "2");
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(LATHE_CLI_EXE), {"train", QString::fromStdString(cfg)});
        QVERIFY(p.waitForFinished(120000));
        const std::string bad = p.readAllStandardError().toStdString();
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(test::contains(bad, "RANK=2: expected a whole number from 0 to 1"), bad.c_str());

        auto r = test::run_cli({"train", cfg, "--nproc-per-node", "0"});
        QVERIFY2(r.code != 0 && test::contains(r.err, "--nproc-per-node: expected 1 to 1024 processes, found 0"), r.err.c_str());
    }
};

LATHE_TEST(TestCliDistributed)
#include "test_cli_distributed.moc"
