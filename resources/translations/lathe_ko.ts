<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko">
<context>
    <name>EngineMessages</name>
    <message>
        <source>&apos;%1&apos; is not one of %2</source>
        <translation>&apos;%1&apos;은(는) %2 중 하나가 아닙니다</translation>
    </message>
    <message>
        <source>must be positive</source>
        <translation>0보다 커야 합니다</translation>
    </message>
    <message>
        <source>must be at least %1</source>
        <translation>%1 이상이어야 합니다</translation>
    </message>
    <message>
        <source>must be at least %1 tokens</source>
        <translation>%1 토큰 이상이어야 합니다</translation>
    </message>
    <message>
        <source>must be &gt;= 0</source>
        <translation>0 이상이어야 합니다</translation>
    </message>
    <message>
        <source>must be in %1</source>
        <translation>%1 범위여야 합니다</translation>
    </message>
    <message>
        <source>must be &gt;= 0 (0 = no clipping)</source>
        <translation>0 이상이어야 합니다 (0 = 클리핑 없음)</translation>
    </message>
    <message>
        <source>must be &gt;= 0 (0 = only at the end)</source>
        <translation>0 이상이어야 합니다 (0 = 끝날 때만)</translation>
    </message>
    <message>
        <source>must be &gt;= 0 (0 = keep all)</source>
        <translation>0 이상이어야 합니다 (0 = 모두 보관)</translation>
    </message>
    <message>
        <source>must be &gt;= 0 (0 = no limit)</source>
        <translation>0 이상이어야 합니다 (0 = 제한 없음)</translation>
    </message>
    <message>
        <source>must be positive (or set max_steps)</source>
        <translation>0보다 커야 합니다 (또는 max_steps를 설정하세요)</translation>
    </message>
    <message>
        <source>no model given (set a model folder, or create_new_model: tiny|small|base)</source>
        <translation>모델이 지정되지 않았습니다 (모델 폴더를 지정하거나 create_new_model: tiny|small|base를 설정하세요)</translation>
    </message>
    <message>
        <source>model_name_or_path &apos;%1&apos; already holds a model; remove create_new_model to fine-tune it</source>
        <translation>model_name_or_path &apos;%1&apos;에 이미 모델이 있습니다. 이 모델을 미세 조정하려면 create_new_model을 지우세요</translation>
    </message>
    <message>
        <source>must be 4 or 8 (or unset), got %1</source>
        <translation>4 또는 8이어야 합니다 (또는 비워 두세요). 입력값: %1</translation>
    </message>
    <message>
        <source>quantized training (QLoRA) needs finetuning_type: lora</source>
        <translation>양자화 학습(QLoRA)에는 finetuning_type: lora가 필요합니다</translation>
    </message>
    <message>
        <source>a new model starts from random weights: quantizing it makes no sense</source>
        <translation>새 모델은 무작위 가중치에서 시작하므로 양자화할 의미가 없습니다</translation>
    </message>
    <message>
        <source>a new model has nothing to adapt: use full for create_new_model</source>
        <translation>새 모델에는 적응시킬 것이 없습니다. create_new_model에는 full을 사용하세요</translation>
    </message>
    <message>
        <source>bf16 and fp16 cannot both be set</source>
        <translation>bf16과 fp16을 함께 설정할 수 없습니다</translation>
    </message>
    <message>
        <source>pure_bf16 and fp16 cannot both be set</source>
        <translation>pure_bf16과 fp16을 함께 설정할 수 없습니다</translation>
    </message>
    <message>
        <source>no dataset chosen</source>
        <translation>데이터셋이 선택되지 않았습니다</translation>
    </message>
    <message>
        <source>nothing to do: set do_train, do_eval or do_predict to true</source>
        <translation>할 일이 없습니다. do_train, do_eval 또는 do_predict를 true로 설정하세요</translation>
    </message>
    <message>
        <source>evaluation without training is available for pt and sft; for stage %1, evaluate during training (eval_dataset or val_size, eval_steps)</source>
        <translation>학습 없는 평가는 pt와 sft에서만 됩니다. %1 단계는 학습 중에 평가하세요 (eval_dataset 또는 val_size, eval_steps)</translation>
    </message>
    <message>
        <source>no dataset to evaluate on (set eval_dataset)</source>
        <translation>평가할 데이터셋이 없습니다 (eval_dataset을 설정하세요)</translation>
    </message>
    <message>
        <source>Lathe predicts by generating answers: set predict_with_generate: true</source>
        <translation>Lathe는 답을 생성해서 예측합니다. predict_with_generate: true로 설정하세요</translation>
    </message>
    <message>
        <source>predictions are made on sft data with stage: sft, got stage &apos;%1&apos;</source>
        <translation>예측은 stage: sft의 sft 데이터로 합니다. 현재 단계: &apos;%1&apos;</translation>
    </message>
    <message>
        <source>an A/B comparison compares predictions: set do_predict: true</source>
        <translation>A/B 비교는 예측끼리 비교합니다. do_predict: true로 설정하세요</translation>
    </message>
    <message>
        <source>a judge scores predictions: set do_predict: true</source>
        <translation>심사 모델은 예측을 채점합니다. do_predict: true로 설정하세요</translation>
    </message>
    <message>
        <source>the checkpoint curve is made of predictions: set do_predict: true</source>
        <translation>체크포인트 곡선은 예측으로 만듭니다. do_predict: true로 설정하세요</translation>
    </message>
    <message>
        <source>a checkpoint curve has no A/B side: remove lathe_compare</source>
        <translation>체크포인트 곡선에는 A/B 쪽이 없습니다. lathe_compare를 지우세요</translation>
    </message>
    <message>
        <source>no output directory given</source>
        <translation>출력 폴더가 지정되지 않았습니다</translation>
    </message>
    <message>
        <source>no input files given (a comma-separated list of files or folders)</source>
        <translation>입력 파일이 지정되지 않았습니다 (파일이나 폴더를 쉼표로 구분해 적으세요)</translation>
    </message>
    <message>
        <source>no text column given</source>
        <translation>텍스트 열이 지정되지 않았습니다</translation>
    </message>
    <message>
        <source>no dataset name given</source>
        <translation>데이터셋 이름이 지정되지 않았습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; names the dataset&apos;s file: no &apos;/&apos;, no leading &apos;.&apos;</source>
        <translation>&apos;%1&apos;은(는) 데이터셋 파일 이름이 됩니다: &apos;/&apos;를 쓸 수 없고 &apos;.&apos;으로 시작할 수 없습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not target=source (e.g. instruction=question)</source>
        <translation>&apos;%1&apos;은(는) 대상=원본 형식이 아닙니다 (예: instruction=question)</translation>
    </message>
    <message>
        <source>missing field &apos;%1&apos;</source>
        <translation>&apos;%1&apos; 필드가 없습니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; is %2, expected %3</source>
        <translation>&apos;%1&apos; 필드가 %2입니다. 필요한 것: %3</translation>
    </message>
    <message>
        <source>%1 record %2 (line %3)</source>
        <translation>%1 레코드 %2 (%3번째 줄)</translation>
    </message>
    <message>
        <source>a run on %1 machines needs the address of node 0</source>
        <translation>머신 %1대로 실행하려면 0번 노드의 주소가 필요합니다</translation>
    </message>
    <message>
        <source>&apos;ppo&apos; training is not available in this build yet (pt, sft, rm, dpo and kto are)</source>
        <translation>&apos;ppo&apos; 학습은 이 빌드에서 아직 지원하지 않습니다 (pt, sft, rm, dpo, kto는 지원합니다)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; compares against a reference model; a new model (create_new_model) has none worth keeping: pre-train or fine-tune it first (stage pt or sft)</source>
        <translation>&apos;%1&apos; 단계는 참조 모델과 비교합니다. 새 모델(create_new_model)에는 쓸 만한 참조가 없으니 먼저 사전 학습하거나 미세 조정하세요 (stage pt 또는 sft)</translation>
    </message>
    <message>
        <source>not available for stage kto (its KL term pairs each prompt with another example&apos;s response in every batch)</source>
        <translation>kto 단계에서는 쓸 수 없습니다 (KL 항이 각 배치에서 프롬프트를 다른 예제의 응답과 짝짓습니다)</translation>
    </message>
    <message>
        <source>stage kto needs at least 2 (the KL term pairs each prompt with another example&apos;s response in the same batch), got %1</source>
        <translation>kto 단계에는 2 이상이 필요합니다 (KL 항이 같은 배치 안에서 프롬프트를 다른 예제의 응답과 짝짓습니다). 입력값: %1</translation>
    </message>
    <message>
        <source>stage kto judges each example on its own; set packing: false</source>
        <translation>kto 단계는 예제를 하나씩 판단합니다. packing: false로 설정하세요</translation>
    </message>
    <message>
        <source>no model given (a model folder or a full checkpoint)</source>
        <translation>모델이 지정되지 않았습니다 (모델 폴더나 전체 체크포인트)</translation>
    </message>
    <message>
        <source>no export directory given</source>
        <translation>내보낼 폴더가 지정되지 않았습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not one of %2 for export_format %3</source>
        <translation>&apos;%1&apos;은(는) export_format %3에서 쓸 수 있는 %2 중 하나가 아닙니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not one of %2 for export_format %3 (quantized types are written as GGUF: set export_format: gguf)</source>
        <translation>&apos;%1&apos;은(는) export_format %3에서 쓸 수 있는 %2 중 하나가 아닙니다 (양자화 형식은 GGUF로 씁니다: export_format: gguf로 설정하세요)</translation>
    </message>
    <message>
        <source>must be &gt;= 0 (0 = all cores)</source>
        <translation>0 이상이어야 합니다 (0 = 모든 코어)</translation>
    </message>
    <message>
        <source>needs gradient_checkpointing: false (the router&apos;s logits are not kept through checkpointed layers yet)</source>
        <translation>gradient_checkpointing: false가 필요합니다 (라우터의 로짓은 아직 체크포인팅한 층을 거쳐 보존되지 않습니다)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is the model itself, not an adapter</source>
        <translation>&apos;%1&apos;은(는) 모델 자체이며 어댑터가 아닙니다</translation>
    </message>
    <message>
        <source>export needs about %1 but only %2 is free where &apos;%3&apos; will be</source>
        <translation>내보내기에 약 %1이 필요하지만 &apos;%3&apos;이(가) 놓일 곳에는 %2만 비어 있습니다</translation>
    </message>
    <message>
        <source>file not found</source>
        <translation>파일이 없습니다</translation>
    </message>
    <message>
        <source>file or folder not found</source>
        <translation>파일이나 폴더가 없습니다</translation>
    </message>
    <message>
        <source>cannot open (%1)</source>
        <translation>열 수 없습니다 (%1)</translation>
    </message>
    <message>
        <source>read failed</source>
        <translation>읽기에 실패했습니다</translation>
    </message>
    <message>
        <source>expected a JSON array of records (&apos;[&apos;) or one JSON object per line</source>
        <translation>레코드의 JSON 배열(&apos;[&apos;)이나 한 줄에 JSON 객체 하나가 와야 합니다</translation>
    </message>
    <message>
        <source>invalid JSON: %1</source>
        <translation>잘못된 JSON: %1</translation>
    </message>
    <message>
        <source>invalid JSON: %1 (a .json file must hold an array of records, or one record per line)</source>
        <translation>잘못된 JSON: %1 (.json 파일에는 레코드 배열이나, 한 줄에 레코드 하나씩이 있어야 합니다)</translation>
    </message>
    <message>
        <source>invalid JSON: trailing comma before &apos;]&apos;</source>
        <translation>잘못된 JSON: &apos;]&apos; 앞에 쉼표가 남아 있습니다</translation>
    </message>
    <message>
        <source>invalid JSON: the file ends before the array&apos;s &apos;]&apos;</source>
        <translation>잘못된 JSON: 배열의 &apos;]&apos; 전에 파일이 끝납니다</translation>
    </message>
    <message>
        <source>invalid JSON: unexpected content after the array&apos;s &apos;]&apos;</source>
        <translation>잘못된 JSON: 배열의 &apos;]&apos; 뒤에 예상하지 못한 내용이 있습니다</translation>
    </message>
    <message>
        <source>expected a JSON object, found %1</source>
        <translation>JSON 객체가 와야 하는데 %1입니다</translation>
    </message>
    <message>
        <source>quoted field is never closed (no matching &apos;&quot;&apos;)</source>
        <translation>따옴표로 시작한 필드가 닫히지 않습니다 (짝이 되는 &apos;&quot;&apos;가 없습니다)</translation>
    </message>
    <message>
        <source>unexpected character after a closing quote (write a quote inside a quoted field as &quot;&quot;)</source>
        <translation>닫는 따옴표 뒤에 예상하지 못한 문자가 있습니다 (따옴표로 감싼 필드 안의 따옴표는 &quot;&quot;로 씁니다)</translation>
    </message>
    <message>
        <source>the header row names column &apos;%1&apos; twice</source>
        <translation>머리글 행에 &apos;%1&apos; 열이 두 번 있습니다</translation>
    </message>
    <message>
        <source>%1 fields, but the header row has %2</source>
        <translation>필드가 %1개인데 머리글 행에는 %2개가 있습니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; is not valid UTF-8</source>
        <translation>&apos;%1&apos; 필드가 올바른 UTF-8이 아닙니다</translation>
    </message>
    <message>
        <source>not valid UTF-8</source>
        <translation>올바른 UTF-8이 아닙니다</translation>
    </message>
    <message>
        <source>unsupported file type &apos;%1&apos;; datasets are .json, .jsonl, .csv or .txt files</source>
        <translation>지원하지 않는 파일 형식 &apos;%1&apos;입니다. 데이터셋은 .json, .jsonl, .csv, .txt 파일입니다</translation>
    </message>
    <message>
        <source>unsupported file type (no extension); datasets are .json, .jsonl, .csv or .txt files</source>
        <translation>지원하지 않는 파일 형식입니다 (확장자 없음). 데이터셋은 .json, .jsonl, .csv, .txt 파일입니다</translation>
    </message>
    <message>
        <source>dataset folders hold data files only, but &apos;%1&apos; is a folder</source>
        <translation>데이터셋 폴더에는 데이터 파일만 둘 수 있는데 &apos;%1&apos;은(는) 폴더입니다</translation>
    </message>
    <message>
        <source>cannot list folder (%1)</source>
        <translation>폴더 목록을 읽을 수 없습니다 (%1)</translation>
    </message>
    <message>
        <source>the dataset folder holds no data files</source>
        <translation>데이터셋 폴더에 데이터 파일이 없습니다</translation>
    </message>
    <message>
        <source>files in a dataset folder must share one type, but &apos;%1&apos; is %2 and &apos;%3&apos; is %4</source>
        <translation>데이터셋 폴더의 파일은 형식이 같아야 하는데 &apos;%1&apos;은(는) %2, &apos;%3&apos;은(는) %4입니다</translation>
    </message>
    <message>
        <source>holds no records (dataset &apos;%1&apos;)</source>
        <translation>레코드가 없습니다 (데이터셋 &apos;%1&apos;)</translation>
    </message>
    <message>
        <source>no valid samples in dataset &apos;%1&apos;: all %2 records were skipped, the first because: %3</source>
        <translation>데이터셋 &apos;%1&apos;에 쓸 수 있는 샘플이 없습니다: 레코드 %2개를 모두 건너뛰었습니다. 첫 번째 이유: %3</translation>
    </message>
    <message>
        <source>file not found (dataset &apos;%1&apos; in %2 names it as &quot;file_name&quot;: &apos;%3&apos;)</source>
        <translation>파일이 없습니다 (%2의 데이터셋 &apos;%1&apos;이(가) &quot;file_name&quot;으로 &apos;%3&apos;을(를) 지정합니다)</translation>
    </message>
    <message>
        <source>plain text, which only stage pt can use, not %2 (dataset &apos;%1&apos;)</source>
        <translation>일반 텍스트 파일은 pt 단계만 쓸 수 있고 %2 단계는 쓸 수 없습니다 (데이터셋 &apos;%1&apos;)</translation>
    </message>
    <message>
        <source>null</source>
        <translation>null</translation>
    </message>
    <message>
        <source>a boolean</source>
        <translation>불리언</translation>
    </message>
    <message>
        <source>a string</source>
        <translation>문자열</translation>
    </message>
    <message>
        <source>an array</source>
        <translation>배열</translation>
    </message>
    <message>
        <source>an object</source>
        <translation>객체</translation>
    </message>
    <message>
        <source>binary data</source>
        <translation>바이너리 데이터</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>숫자</translation>
    </message>
    <message>
        <source>a string (JSON text) or a JSON array</source>
        <translation>문자열(JSON 텍스트)이나 JSON 배열</translation>
    </message>
    <message>
        <source>an array of [query, response] pairs</source>
        <translation>[질문, 응답] 쌍의 배열</translation>
    </message>
    <message>
        <source>an array of messages</source>
        <translation>메시지 배열</translation>
    </message>
    <message>
        <source>%1 line %2, column %3</source>
        <translation>%1 %2번째 줄 %3번째 글자</translation>
    </message>
    <message>
        <source>%1 line %2</source>
        <translation>%1 %2번째 줄</translation>
    </message>
    <message>
        <source> (the partial export was removed; &apos;%1&apos; is unchanged)</source>
        <translation> (쓰다 만 내보내기는 지웠습니다. &apos;%1&apos;은(는) 그대로입니다)</translation>
    </message>
    <message>
        <source>model folder &apos;%1&apos; does not exist</source>
        <translation>모델 폴더 &apos;%1&apos;이(가) 없습니다</translation>
    </message>
    <message>
        <source>no config.json (a Hugging Face model folder holds config.json and model.safetensors)</source>
        <translation>config.json이 없습니다 (Hugging Face 모델 폴더에는 config.json과 model.safetensors가 있습니다)</translation>
    </message>
    <message>
        <source>tensor &apos;%1&apos; is missing from the weights (config.json describes a %2 model with %3 layers)</source>
        <translation>가중치에 텐서 &apos;%1&apos;이(가) 없습니다 (config.json은 레이어 %3개의 %2 모델을 설명합니다)</translation>
    </message>
    <message>
        <source>tensor &apos;%1&apos; has shape %2, expected %3 from config.json</source>
        <translation>텐서 &apos;%1&apos;의 모양이 %2입니다. config.json에 따르면 %3이어야 합니다</translation>
    </message>
    <message>
        <source>%1</source>
        <comment>a safetensors file cannot be read</comment>
        <translation>safetensors 파일을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>%1</source>
        <comment>a GGUF file cannot be read</comment>
        <translation>GGUF 파일을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>%1</source>
        <comment>a tokenizer file cannot be read</comment>
        <translation>토크나이저를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>%1</source>
        <comment>a model&apos;s config.json cannot be read</comment>
        <translation>모델 설정을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>byte %1: not valid UTF-8 (%2)</source>
        <translation>%1번째 바이트가 올바른 UTF-8이 아닙니다(%2)</translation>
    </message>
    <message>
        <source>byte %1 (line %2): not valid UTF-8 (%3)</source>
        <translation>%2번째 줄의 %1번째 바이트가 올바른 UTF-8이 아닙니다(%3)</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; byte %2: not valid UTF-8</source>
        <translation>&apos;%1&apos; 필드의 %2번째 바이트가 올바른 UTF-8이 아닙니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos;: expected %2, found %3</source>
        <translation>&apos;%1&apos; 필드: %2이(가) 와야 하는데 %3입니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; turn %2: expected an object</source>
        <translation>&apos;%1&apos; 필드의 %2번째 턴: 객체가 와야 합니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; turn %2: expected string &apos;from&apos;/&apos;value&apos; (or &apos;role&apos;/&apos;content&apos;)</source>
        <translation>&apos;%1&apos; 필드의 %2번째 턴: 문자열 &apos;from&apos;/&apos;value&apos;(또는 &apos;role&apos;/&apos;content&apos;)가 와야 합니다</translation>
    </message>
    <message>
        <source>no &apos;%1&apos; field (fields: %2); set text_column, or give alpaca (instruction/output) or sharegpt (conversations) records</source>
        <translation>&apos;%1&apos; 필드가 없습니다(있는 필드: %2). text_column을 지정하거나 alpaca(instruction/output) 또는 sharegpt(conversations) 레코드를 주세요</translation>
    </message>
    <message>
        <source>checkpoint curve: &apos;%1&apos; is not a folder</source>
        <translation>체크포인트 곡선: &apos;%1&apos;은(는) 폴더가 아닙니다</translation>
    </message>
    <message>
        <source>checkpoint curve: &apos;%1&apos; holds no checkpoint-N folders or finished weights; train with save_steps to keep checkpoints along the way</source>
        <translation>체크포인트 곡선: &apos;%1&apos;에 checkpoint-N 폴더도 완성된 가중치도 없습니다. 중간 체크포인트를 남기려면 save_steps를 지정해 학습하세요</translation>
    </message>
    <message>
        <source>an array of turns</source>
        <translation>턴 배열</translation>
    </message>
    <message>
        <source>cannot create (%1)</source>
        <translation>만들 수 없습니다(%1)</translation>
    </message>
    <message>
        <source>write failed (%1)</source>
        <translation>쓰기에 실패했습니다(%1)</translation>
    </message>
    <message>
        <source>cannot rename into place (%1)</source>
        <translation>제자리로 이름을 바꿀 수 없습니다(%1)</translation>
    </message>
    <message>
        <source>cannot move aside (%1)</source>
        <translation>옆으로 옮겨 둘 수 없습니다(%1)</translation>
    </message>
    <message>
        <source>write failed: no space left for the file (%1)</source>
        <translation>쓰기에 실패했습니다: 파일을 쓸 공간이 없습니다(%1)</translation>
    </message>
    <message>
        <source>cannot write here: permission denied (%1)</source>
        <translation>여기에 쓸 수 없습니다: 권한이 없습니다(%1)</translation>
    </message>
    <message>
        <source>the folder holds no files</source>
        <translation>폴더에 파일이 없습니다</translation>
    </message>
    <message>
        <source>dataset &apos;%1&apos; is %2; only local files can be read here</source>
        <translation>데이터셋 &apos;%1&apos;은(는) %2입니다. 여기서는 로컬 파일만 읽을 수 있습니다</translation>
    </message>
    <message>
        <source>dataset &apos;%1&apos; is a ranking set (chosen/rejected); the workshop reads plain text, alpaca and sharegpt records</source>
        <translation>데이터셋 &apos;%1&apos;은(는) 순위 데이터(chosen/rejected)입니다. 데이터 작업실은 일반 텍스트, alpaca, sharegpt 레코드를 읽습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; not found</source>
        <translation>&apos;%1&apos;을(를) 찾을 수 없습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is a file, not a folder</source>
        <translation>&apos;%1&apos;은(는) 폴더가 아니라 파일입니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a folder</source>
        <translation>&apos;%1&apos;은(는) 폴더가 아닙니다</translation>
    </message>
    <message>
        <source>expected a JSON object of datasets</source>
        <translation>데이터셋들의 JSON 객체가 와야 합니다</translation>
    </message>
    <message>
        <source>not valid JSON (%1); fix or remove it</source>
        <translation>올바른 JSON이 아닙니다(%1). 고치거나 지우세요</translation>
    </message>
    <message>
        <source>&apos;%1&apos; keeps instruction/answer records, but data_format text reads plain documents; use output_format: text</source>
        <translation>&apos;%1&apos;은(는) 지시/답변 레코드를 유지하지만 data_format text는 일반 문서를 읽습니다. output_format: text를 쓰세요</translation>
    </message>
    <message>
        <source>no records in the input (%1 file(s), all empty or blank); nothing was written</source>
        <translation>입력에 레코드가 없습니다(파일 %1개가 모두 비어 있거나 공백뿐입니다). 아무것도 쓰지 않았습니다</translation>
    </message>
    <message>
        <source>%1; %2</source>
        <translation>%1; %2</translation>
    </message>
    <message>
        <source>%1
%2</source>
        <translation>%1
%2</translation>
    </message>
    <message>
        <source>%1 or %2</source>
        <translation>%1 또는 %2</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1, %2</translation>
    </message>
    <message>
        <source>1 thread</source>
        <translation>스레드 1개</translation>
    </message>
    <message>
        <source>%1 threads</source>
        <translation>스레드 %1개</translation>
    </message>
    <message>
        <source>%1: LibTorch and OpenBLAS take turns (OpenMP waits passively)</source>
        <translation>%1: LibTorch와 OpenBLAS가 번갈아 씁니다 (OpenMP는 수동적으로 대기)</translation>
    </message>
    <message>
        <source>%1 for OpenBLAS&apos;s matrix products, 1 for the rest (OpenMP spins: OMP_WAIT_POLICY is not passive)</source>
        <translation>OpenBLAS의 행렬 곱에 %1, 나머지에 1개 (OpenMP가 회전 대기: OMP_WAIT_POLICY가 passive가 아님)</translation>
    </message>
    <message>
        <source>%1 for LibTorch, 1 for OpenBLAS (OpenMP spins: OMP_WAIT_POLICY is not passive)</source>
        <translation>LibTorch에 %1, OpenBLAS에 1개 (OpenMP가 회전 대기: OMP_WAIT_POLICY가 passive가 아님)</translation>
    </message>
    <message>
        <source>cpu (%1)</source>
        <translation>CPU (%1)</translation>
    </message>
    <message>
        <source>this CPU has AVX512-BF16 and AMX-BF16</source>
        <translation>이 CPU에 AVX512-BF16과 AMX-BF16이 있습니다</translation>
    </message>
    <message>
        <source>this CPU has AVX512-BF16</source>
        <translation>이 CPU에 AVX512-BF16이 있습니다</translation>
    </message>
    <message>
        <source>this CPU has AMX-BF16</source>
        <translation>이 CPU에 AMX-BF16이 있습니다</translation>
    </message>
    <message>
        <source>this CPU has AVX512-BF16, but the operating system has not enabled AVX-512</source>
        <translation>이 CPU에 AVX512-BF16이 있지만 운영체제가 AVX-512를 켜지 않았습니다</translation>
    </message>
    <message>
        <source>this CPU has AMX-BF16, but the operating system has not enabled AMX</source>
        <translation>이 CPU에 AMX-BF16이 있지만 운영체제가 AMX를 켜지 않았습니다</translation>
    </message>
    <message>
        <source>this CPU has no bf16 instructions</source>
        <translation>이 CPU에는 bf16 명령어가 없습니다</translation>
    </message>
    <message>
        <source>the compute capability of %1 is unknown</source>
        <translation>%1의 연산 능력(compute capability)을 알 수 없습니다</translation>
    </message>
    <message>
        <source>%1 has compute capability %2</source>
        <translation>%1의 연산 능력은 %2입니다</translation>
    </message>
    <message>
        <source>%1 has compute capability %2, bf16 needs 8.0</source>
        <translation>%1의 연산 능력은 %2입니다. bf16에는 8.0이 필요합니다</translation>
    </message>
    <message>
        <source>Lathe cannot tell whether %1 has bf16</source>
        <translation>Lathe는 %1에 bf16이 있는지 알 수 없습니다</translation>
    </message>
    <message>
        <source>%1 was asked for, but %2: LibTorch emulates bf16 there, usually slower than fp32 (bf16: auto would choose fp32)</source>
        <translation>%1을(를) 요청했지만 %2. LibTorch가 bf16을 흉내 내므로 보통 fp32보다 느립니다 (bf16: auto라면 fp32를 골랐을 것입니다)</translation>
    </message>
    <message>
        <source>pure bf16 (pure_bf16: true)</source>
        <translation>순수 bf16 (pure_bf16: true)</translation>
    </message>
    <message>
        <source>bf16 (bf16: true)</source>
        <translation>bf16 (bf16: true)</translation>
    </message>
    <message>
        <source>fp32 (bf16: false)</source>
        <translation>fp32 (bf16: false)</translation>
    </message>
    <message>
        <source>%1 (auto: %2)</source>
        <translation>%1 (자동: %2)</translation>
    </message>
    <message>
        <source>weights, gradients and AdamW state in float32</source>
        <translation>가중치, 그래디언트, AdamW 상태는 float32</translation>
    </message>
    <message>
        <source>every weight, gradient and the AdamW state in bf16 (no float32 copy)</source>
        <translation>모든 가중치, 그래디언트, AdamW 상태가 bf16 (float32 사본 없음)</translation>
    </message>
    <message>
        <source>base quantized to %1 bits from bf16, computed in bf16; every weight, gradient and the AdamW state in bf16 (no float32 copy)</source>
        <translation>기반 모델은 bf16에서 %1비트로 양자화해 bf16으로 계산; 모든 가중치, 그래디언트, AdamW 상태가 bf16 (float32 사본 없음)</translation>
    </message>
    <message>
        <source>frozen base weights in bf16; LoRA weights, their gradients and AdamW state in float32; matrix products in bf16 (autocast)</source>
        <translation>고정된 기반 가중치는 bf16; LoRA 가중치와 그 그래디언트, AdamW 상태는 float32; 행렬 곱은 bf16 (autocast)</translation>
    </message>
    <message>
        <source>base quantized to %1 bits from bf16, computed in bf16; LoRA weights, their gradients and AdamW state in float32; matrix products in bf16 (autocast)</source>
        <translation>기반 모델은 bf16에서 %1비트로 양자화해 bf16으로 계산; LoRA 가중치와 그 그래디언트, AdamW 상태는 float32; 행렬 곱은 bf16 (autocast)</translation>
    </message>
    <message>
        <source>frozen weights in bf16; trainable layers and AdamW state in float32; matrix products in bf16 (autocast)</source>
        <translation>고정된 가중치는 bf16; 학습하는 층과 AdamW 상태는 float32; 행렬 곱은 bf16 (autocast)</translation>
    </message>
    <message>
        <source>weights and AdamW state in float32; matrix products in bf16 (autocast)</source>
        <translation>가중치와 AdamW 상태는 float32; 행렬 곱은 bf16 (autocast)</translation>
    </message>
    <message>
        <source>≈ %1 peak (weights %2, gradients and AdamW %3, activations %4, working set %5, runtime %6)</source>
        <translation>최대 ≈ %1 (가중치 %2, 그래디언트와 AdamW %3, 활성값 %4, 작업 메모리 %5, 런타임 %6)</translation>
    </message>
    <message>
        <source>this run needs %1, but only %2 is available</source>
        <translation>이 실행에는 %1이(가) 필요하지만 사용할 수 있는 메모리는 %2뿐입니다</translation>
    </message>
    <message>
        <source>this run&apos;s %1 processes need %1 x %2, but only %3 is available</source>
        <translation>이 실행의 프로세스 %1개에는 %1 x %2이(가) 필요하지만 사용할 수 있는 메모리는 %3뿐입니다</translation>
    </message>
    <message>
        <source>%1; to need less, use %2</source>
        <translation>%1. 메모리를 줄이려면 %2을(를) 쓰세요</translation>
    </message>
    <message>
        <source>one process on this machine (≈ %1)</source>
        <translation>이 머신에서 프로세스 하나 (≈ %1)</translation>
    </message>
    <message>
        <source>gradient checkpointing (≈ %1)</source>
        <translation>그래디언트 체크포인팅 (≈ %1)</translation>
    </message>
    <message>
        <source>cutoff_len %1 (≈ %2)</source>
        <translation>cutoff_len %1 (≈ %2)</translation>
    </message>
    <message>
        <source>batch size 1 with more gradient accumulation (≈ %1)</source>
        <translation>배치 크기 1과 더 많은 그래디언트 누적 (≈ %1)</translation>
    </message>
    <message>
        <source>LoRA (≈ %1)</source>
        <translation>LoRA (≈ %1)</translation>
    </message>
    <message>
        <source>QLoRA 4-bit (≈ %1)</source>
        <translation>QLoRA 4비트 (≈ %1)</translation>
    </message>
    <message>
        <source>%1: %2 records read, %3 samples kept, %4 skipped (%5)</source>
        <translation>%1: 레코드 %2개 읽음, 샘플 %3개 사용, %4개 건너뜀 (%5)</translation>
    </message>
    <message>
        <source>  skipped %1</source>
        <translation>  건너뜀: %1</translation>
    </message>
    <message>
        <source>  ... and %1 more</source>
        <translation>  ... 그 밖에 %1개</translation>
    </message>
    <message>
        <source>%1 examples</source>
        <translation>예제 %1개</translation>
    </message>
    <message>
        <source>%1 examples, %2 truncated to cutoff_len</source>
        <translation>예제 %1개, %2개는 cutoff_len에 맞춰 잘림</translation>
    </message>
    <message>
        <source>%1 examples, %2 dropped (no response token left after truncation, first: %3)</source>
        <translation>예제 %1개, %2개 제외 (잘린 뒤 응답 토큰이 남지 않음, 첫 번째: %3)</translation>
    </message>
    <message>
        <source>%1 examples, %2 truncated to cutoff_len, %3 dropped (no response token left after truncation, first: %4)</source>
        <translation>예제 %1개, %2개는 cutoff_len에 맞춰 잘림, %3개 제외 (잘린 뒤 응답 토큰이 남지 않음, 첫 번째: %4)</translation>
    </message>
    <message>
        <source>trainable params: %1 || all params: %2 || trainable%: %3</source>
        <translation>학습 파라미터: %1 || 전체 파라미터: %2 || 학습 비율(%): %3</translation>
    </message>
    <message>
        <source>weights held: %1</source>
        <translation>보유한 가중치: %1</translation>
    </message>
    <message>
        <source>weights held: none</source>
        <translation>보유한 가중치: 없음</translation>
    </message>
    <message>
        <source>%1 %2 trainable</source>
        <translation>%1개 %2 학습</translation>
    </message>
    <message>
        <source>%1 %2 frozen</source>
        <translation>%1개 %2 고정</translation>
    </message>
    <message>
        <source>%1 quantized frozen (%2 products)</source>
        <translation>%1개 양자화되어 고정 (%2 곱셈)</translation>
    </message>
    <message>
        <source>new %1 model</source>
        <translation>새 %1 모델</translation>
    </message>
    <message>
        <source>the tokenizer of %1 has no &lt;|im_start|&gt;/&lt;|im_end|&gt; tokens; the chatml template will spell them out in pieces</source>
        <translation>%1의 토크나이저에 &lt;|im_start|&gt;/&lt;|im_end|&gt; 토큰이 없습니다. chatml 템플릿이 이를 조각으로 나누어 씁니다</translation>
    </message>
    <message>
        <source>new %1 model: %2 parameters, the tokenizer of %3 (vocabulary %4)</source>
        <translation>새 %1 모델: 파라미터 %2개, %3의 토크나이저 (어휘 %4개)</translation>
    </message>
    <message>
        <source>training a SentencePiece tokenizer (vocabulary %1) on %2 texts</source>
        <translation>텍스트 %2개로 SentencePiece 토크나이저 학습 중 (어휘 %1개)</translation>
    </message>
    <message>
        <source>new %1 model: %2 parameters, vocabulary %3</source>
        <translation>새 %1 모델: 파라미터 %2개, 어휘 %3개</translation>
    </message>
    <message>
        <source>the base model (adapter switched off)</source>
        <translation>기반 모델 (어댑터 끔)</translation>
    </message>
    <message>
        <source>the model before training</source>
        <translation>학습 전의 모델</translation>
    </message>
    <message>
        <source>the model reloaded from %1</source>
        <translation>%1에서 다시 읽은 모델</translation>
    </message>
    <message>
        <source>a frozen copy of the model (%1 trained parameters copied, the rest shared)</source>
        <translation>모델의 고정 사본 (학습 파라미터 %1개는 복사, 나머지는 공유)</translation>
    </message>
    <message>
        <source>reference log-probs precomputed from %1</source>
        <translation>%1에서 미리 계산한 참조 로그 확률</translation>
    </message>
    <message>
        <source>precomputing reference log-probs of %1 examples from %2</source>
        <translation>예제 %1개의 참조 로그 확률을 %2에서 미리 계산하는 중</translation>
    </message>
    <message>
        <source>precomputing reference log-probs of %1 examples from %2 (its batches shared out among %3 processes)</source>
        <translation>예제 %1개의 참조 로그 확률을 %2에서 미리 계산하는 중 (배치를 프로세스 %3개가 나눠 맡음)</translation>
    </message>
    <message>
        <source>value head: loaded from %1</source>
        <translation>가치 헤드: %1에서 읽음</translation>
    </message>
    <message>
        <source>value head: new (%1 -&gt; 1)</source>
        <translation>가치 헤드: 새로 만듦 (%1 -&gt; 1)</translation>
    </message>
    <message>
        <source>dpo_label_smoothing has no effect with pref_loss %1 (only sigmoid smooths labels)</source>
        <translation>pref_loss %1에서는 dpo_label_smoothing이 효과가 없습니다 (레이블 평활은 sigmoid에서만 합니다)</translation>
    </message>
    <message>
        <source>reference: %1</source>
        <translation>참조: %1</translation>
    </message>
    <message>
        <source>reference: none (pref_loss %1 is reference-free)</source>
        <translation>참조: 없음 (pref_loss %1은(는) 참조 모델이 필요 없습니다)</translation>
    </message>
    <message>
        <source>ignored key &apos;%1&apos; (no effect in Lathe)</source>
        <translation>키 &apos;%1&apos;을(를) 무시했습니다 (Lathe에서는 효과 없음)</translation>
    </message>
    <message>
        <source>%1 checkpoint folder(s) left half-written by an interrupted run tidied away</source>
        <translation>중단된 실행이 쓰다 만 체크포인트 폴더 %1개를 정리했습니다</translation>
    </message>
    <message>
        <source>trainer_log.jsonl: %1 row(s) after %2 removed; the resumed run logs those steps again</source>
        <translation>trainer_log.jsonl: %2 이후의 행 %1개를 지웠습니다. 이어서 하는 실행이 그 단계들을 다시 기록합니다</translation>
    </message>
    <message>
        <source>device: %1</source>
        <translation>장치: %1</translation>
    </message>
    <message>
        <source>precision: %1; %2</source>
        <translation>정밀도: %1; %2</translation>
    </message>
    <message>
        <source>memory: %1</source>
        <translation>메모리: %1</translation>
    </message>
    <message>
        <source>memory: %1, %2 available</source>
        <translation>메모리: %1, 사용 가능 %2</translation>
    </message>
    <message>
        <source>datasets: %1</source>
        <translation>데이터셋: %1</translation>
    </message>
    <message>
        <source>%1 invalid records skipped</source>
        <translation>잘못된 레코드 %1개를 건너뛰었습니다</translation>
    </message>
    <message>
        <source>model: %1 (%2, %3 parameters), template: %4</source>
        <translation>모델: %1 (%2, 파라미터 %3개), 템플릿: %4</translation>
    </message>
    <message>
        <source>encoded: %1</source>
        <translation>인코딩: %1</translation>
    </message>
    <message>
        <source>evaluation set: %1 examples</source>
        <translation>평가 세트: 예제 %1개</translation>
    </message>
    <message>
        <source>quantized the base to %1 bits: %2x of its fp32 size</source>
        <translation>기반 모델을 %1비트로 양자화했습니다: fp32 크기의 %2배</translation>
    </message>
    <message>
        <source>resumed from %1 at step %2</source>
        <translation>%1에서 %2단계부터 이어서 합니다</translation>
    </message>
    <message>
        <source>the checkpoint was written by %1 process(es), this run has %2: it goes on at the same step of the epoch, with the global batch of %2 x per_device_train_batch_size x accumulation</source>
        <translation>체크포인트는 프로세스 %1개가 썼고 이번 실행은 %2개입니다: 에포크의 같은 단계에서 이어 가며, 전체 배치는 %2 x per_device_train_batch_size x 누적 단계입니다</translation>
    </message>
    <message>
        <source>data-parallel: %1 processes (this one is rank %2), rendezvous at %3:%4</source>
        <translation>데이터 병렬: 프로세스 %1개 (이 프로세스는 랭크 %2), 랑데부 %3:%4</translation>
    </message>
    <message>
        <source>zero_stage: 1 shards the optimizer state among several processes; this run has one</source>
        <translation>zero_stage: 1은 옵티마이저 상태를 여러 프로세스에 나눕니다. 이 실행에는 프로세스가 하나뿐입니다</translation>
    </message>
    <message>
        <source>model: %1</source>
        <translation>모델: %1</translation>
    </message>
    <message>
        <source>model: %1, checkpoint %2</source>
        <translation>모델: %1, 체크포인트 %2</translation>
    </message>
    <message>
        <source>comparing with the base model %1</source>
        <translation>기반 모델 %1과(와) 비교합니다</translation>
    </message>
    <message>
        <source>comparing with %1</source>
        <translation>%1과(와) 비교합니다</translation>
    </message>
    <message>
        <source>judge: %1</source>
        <translation>심사 모델: %1</translation>
    </message>
    <message>
        <source>reward model %1 (template %2)</source>
        <translation>보상 모델 %1 (템플릿 %2)</translation>
    </message>
    <message>
        <source>%1 prompts were longer than cutoff_len (%2 tokens) and kept their last tokens</source>
        <translation>프롬프트 %1개가 cutoff_len(%2 토큰)보다 길어 마지막 토큰들만 남겼습니다</translation>
    </message>
    <message>
        <source>%1 · %2 parameters · %3 weights · template %4 · %5</source>
        <translation>%1 · 파라미터 %2 · %3 가중치 · 템플릿 %4 · %5</translation>
    </message>
    <message>
        <source>%1; the curve starts over</source>
        <translation>%1. 곡선을 처음부터 다시 만듭니다</translation>
    </message>
    <message>
        <source>the settings differ from those of the saved curve (%1); it starts over</source>
        <translation>설정이 저장된 곡선(%1)과 다릅니다. 처음부터 다시 만듭니다</translation>
    </message>
    <message>
        <source>reloaded %1 checkpoint(s) from %2</source>
        <translation>%2에서 체크포인트 %1개를 다시 읽었습니다</translation>
    </message>
    <message>
        <source>checkpoint at step %1 (%2)</source>
        <translation>%1단계의 체크포인트 (%2)</translation>
    </message>
    <message>
        <source>adapter &apos;%1&apos; names base model &apos;%2&apos;, exporting onto &apos;%3&apos;; the shapes fit, so it is merged anyway</source>
        <translation>어댑터 &apos;%1&apos;은(는) 기반 모델로 &apos;%2&apos;을(를) 가리키지만 &apos;%3&apos;에 내보냅니다. 모양이 맞으므로 그대로 병합합니다</translation>
    </message>
    <message>
        <source>exporting %1 as %2 %3 with chat template &apos;%4&apos; (about %5)</source>
        <translation>%1을(를) %2 %3(으)로 내보냅니다. 채팅 템플릿 &apos;%4&apos; (약 %5)</translation>
    </message>
    <message>
        <source>training a %1 tokenizer (vocabulary %2)</source>
        <translation>%1 토크나이저 학습 중 (어휘 %2개)</translation>
    </message>
    <message>
        <source>train_tokenizer: %1</source>
        <translation>train_tokenizer: %1</translation>
    </message>
    <message>
        <source>compare_tokenizers: %1</source>
        <translation>compare_tokenizers: %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; already holds a run; choose another directory, set overwrite_output_dir: true, or resume_from_checkpoint: auto to continue it</source>
        <translation>&apos;%1&apos;에 이미 실행 결과가 있습니다. 다른 디렉터리를 고르거나, overwrite_output_dir: true를 설정하거나, resume_from_checkpoint: auto로 이어서 실행하세요</translation>
    </message>
    <message>
        <source>nothing to evaluate (no record of &apos;%1&apos; fits in cutoff_len)</source>
        <translation>평가할 것이 없습니다 (&apos;%1&apos;의 어떤 레코드도 cutoff_len에 들어가지 않습니다)</translation>
    </message>
    <message>
        <source>the ranks do not see the same checkpoint (rank %1 sees %2); output_dir must be on a file system every machine of the run sees</source>
        <translation>랭크들이 같은 체크포인트를 보지 않습니다 (랭크 %1은(는) %2을(를) 봅니다). output_dir은 실행에 참여하는 모든 머신이 보는 파일 시스템에 있어야 합니다</translation>
    </message>
    <message>
        <source>false and no do_eval: nothing to train or evaluate</source>
        <translation>false이고 do_eval도 없습니다: 학습하거나 평가할 것이 없습니다</translation>
    </message>
    <message>
        <source>a new model must be trained (do_train: true) before it is evaluated</source>
        <translation>새 모델은 평가하기 전에 먼저 학습해야 합니다 (do_train: true)</translation>
    </message>
    <message>
        <source>adapters cannot be merged into a quantized base; train QLoRA from the base model</source>
        <translation>양자화된 기반 모델에는 어댑터를 병합할 수 없습니다. 기반 모델에서 QLoRA를 학습하세요</translation>
    </message>
    <message>
        <source>; no checkpoint was saved</source>
        <translation>; 저장된 체크포인트가 없습니다</translation>
    </message>
    <message>
        <source>; the last good checkpoint is kept: %1</source>
        <translation>; 마지막 정상 체크포인트는 보존됩니다: %1</translation>
    </message>
    <message>
        <source>the loss became NaN at step %1 (try a lower learning_rate or max_grad_norm)%2</source>
        <translation>%1단계에서 손실이 NaN이 되었습니다 (learning_rate나 max_grad_norm을 낮춰 보세요)%2</translation>
    </message>
    <message>
        <source>the loss became infinite at step %1 (try a lower learning_rate or max_grad_norm)%2</source>
        <translation>%1단계에서 손실이 무한대가 되었습니다 (learning_rate나 max_grad_norm을 낮춰 보세요)%2</translation>
    </message>
    <message>
        <source>the gradient norm became non-finite at step %1%2</source>
        <translation>%1단계에서 그래디언트 노름이 유한하지 않게 되었습니다%2</translation>
    </message>
    <message>
        <source>the weights became non-finite at step %1 (%2)%3</source>
        <translation>%1단계에서 가중치가 유한하지 않게 되었습니다 (%2)%3</translation>
    </message>
    <message>
        <source>nothing to train on: the training set is empty</source>
        <translation>학습할 것이 없습니다: 학습 세트가 비어 있습니다</translation>
    </message>
    <message>
        <source>device &apos;%1&apos; was asked for, but this LibTorch has no usable CUDA device</source>
        <translation>장치 &apos;%1&apos;을(를) 요청했지만 이 LibTorch에는 사용할 수 있는 CUDA 장치가 없습니다</translation>
    </message>
    <message>
        <source>device &apos;%1&apos; does not exist (%2 CUDA devices)</source>
        <translation>장치 &apos;%1&apos;이(가) 없습니다 (CUDA 장치 %2개)</translation>
    </message>
    <message>
        <source>invalid device &apos;%1&apos;</source>
        <translation>잘못된 장치 &apos;%1&apos;입니다</translation>
    </message>
    <message>
        <source>unknown device &apos;%1&apos; (expected auto, cpu, cuda or cuda:N)</source>
        <translation>알 수 없는 장치 &apos;%1&apos;입니다 (auto, cpu, cuda 또는 cuda:N이어야 합니다)</translation>
    </message>
    <message>
        <source>dataset directory &apos;%1&apos; not found</source>
        <translation>데이터셋 디렉터리 &apos;%1&apos;이(가) 없습니다</translation>
    </message>
    <message>
        <source>dataset directory &apos;%1&apos; has no dataset_info.json; it needs one that registers each dataset by name (file_name, formatting, columns), as in LLaMA-Factory&apos;s data folder</source>
        <translation>데이터셋 디렉터리 &apos;%1&apos;에 dataset_info.json이 없습니다. LLaMA-Factory의 data 폴더처럼 각 데이터셋을 이름으로 등록하는(file_name, formatting, columns) 파일이 필요합니다</translation>
    </message>
    <message>
        <source>expected an object mapping dataset names to entries, found %1</source>
        <translation>데이터셋 이름을 항목에 대응시키는 객체가 있어야 하는데 %1이(가) 있습니다</translation>
    </message>
    <message>
        <source>unknown dataset &apos;%1&apos;: %2 does not register it</source>
        <translation>알 수 없는 데이터셋 &apos;%1&apos;입니다: %2에 등록되어 있지 않습니다</translation>
    </message>
    <message>
        <source>unknown dataset &apos;%1&apos;: %2 does not register it; did you mean &apos;%3&apos;?</source>
        <translation>알 수 없는 데이터셋 &apos;%1&apos;입니다: %2에 등록되어 있지 않습니다. &apos;%3&apos;을(를) 뜻하셨습니까?</translation>
    </message>
    <message>
        <source>unknown dataset &apos;%1&apos;: %2 does not register it (the registry is empty)</source>
        <translation>알 수 없는 데이터셋 &apos;%1&apos;입니다: %2에 등록되어 있지 않습니다 (등록된 데이터셋이 없습니다)</translation>
    </message>
    <message>
        <source>dataset &apos;%1&apos; (%2) names only %3; Lathe reads local files: download it into %4 and set &quot;file_name&quot;</source>
        <translation>데이터셋 &apos;%1&apos;(%2)은(는) %3만 지정합니다. Lathe는 로컬 파일을 읽습니다: %4에 내려받고 &quot;file_name&quot;을 설정하세요</translation>
    </message>
    <message>
        <source>max_samples must be at least 1</source>
        <translation>max_samples는 1 이상이어야 합니다</translation>
    </message>
    <message>
        <source>no dataset named; set one or more names from %1</source>
        <translation>지정된 데이터셋이 없습니다. %1에 있는 이름을 하나 이상 설정하세요</translation>
    </message>
    <message>
        <source>val_size %1 must be a fraction below 1 or a whole count of samples</source>
        <translation>val_size %1은(는) 1보다 작은 비율이거나 샘플 수를 나타내는 정수여야 합니다</translation>
    </message>
    <message>
        <source>val_size %1 is neither a fraction below 1 nor a whole count of samples</source>
        <translation>val_size %1은(는) 1보다 작은 비율도 아니고 샘플 수를 나타내는 정수도 아닙니다</translation>
    </message>
    <message>
        <source>val_size %1 takes %2 of %3 samples for validation and leaves none for training</source>
        <translation>val_size %1은(는) 샘플 %3개 중 %2개를 검증용으로 가져가서 학습용으로 남는 샘플이 없습니다</translation>
    </message>
    <message>
        <source>%1: the sample has no response to train on</source>
        <translation>%1: 샘플에 학습할 응답이 없습니다</translation>
    </message>
    <message>
        <source>%1: a preference sample needs chosen and rejected responses</source>
        <translation>%1: 선호도 샘플에는 chosen 응답과 rejected 응답이 모두 필요합니다</translation>
    </message>
    <message>
        <source>no samples to encode</source>
        <translation>인코딩할 샘플이 없습니다</translation>
    </message>
    <message>
        <source>nothing left to train on: all %1 samples lose their whole response at cutoff_len=%2 (the longest sample has %3 tokens); raise cutoff_len</source>
        <translation>학습할 것이 남지 않았습니다: 샘플 %1개 모두 cutoff_len=%2에서 응답 전체가 잘립니다 (가장 긴 샘플은 %3토큰입니다). cutoff_len을 늘리세요</translation>
    </message>
    <message>
        <source>nothing left to train on after encoding</source>
        <translation>인코딩 후 학습할 것이 남지 않았습니다</translation>
    </message>
    <message>
        <source>chat template &apos;%1&apos; folds the system prompt into the first user turn, so its system slot must be plain text, but it holds a {{bos_token}}/{{eos_token}} marker: &apos;%2&apos;</source>
        <translation>채팅 템플릿 &apos;%1&apos;은(는) 시스템 프롬프트를 첫 사용자 턴에 합치므로 시스템 슬롯이 일반 텍스트여야 하지만 {{bos_token}}/{{eos_token}} 표시가 들어 있습니다: &apos;%2&apos;</translation>
    </message>
    <message>
        <source>the conversation has no user or assistant turn</source>
        <translation>대화에 사용자 턴이나 어시스턴트 턴이 없습니다</translation>
    </message>
    <message>
        <source>messages[%1] is a system message; only messages[0] may be the system prompt</source>
        <translation>messages[%1]이(가) 시스템 메시지입니다. 시스템 프롬프트는 messages[0]만 될 수 있습니다</translation>
    </message>
    <message>
        <source>messages[%1] is &apos;%2&apos; where a user or observation turn belongs (turns alternate user/observation, then assistant/function)</source>
        <translation>messages[%1]이(가) 사용자 또는 observation 턴이 와야 할 자리에 &apos;%2&apos;입니다 (턴은 user/observation, assistant/function 순으로 번갈아 와야 합니다)</translation>
    </message>
    <message>
        <source>messages[%1] is &apos;%2&apos; where an assistant or function turn belongs (turns alternate user/observation, then assistant/function)</source>
        <translation>messages[%1]이(가) 어시스턴트 또는 function 턴이 와야 할 자리에 &apos;%2&apos;입니다 (턴은 user/observation, assistant/function 순으로 번갈아 와야 합니다)</translation>
    </message>
    <message>
        <source>chat template &apos;%1&apos; ends turns with {{eos_token}}, but the tokenizer has no EOS token (no eos_token in tokenizer_config.json, no &lt;|endoftext|&gt;); pick a template whose slots write their end-of-turn token out, or fix the tokenizer</source>
        <translation>채팅 템플릿 &apos;%1&apos;은(는) 턴을 {{eos_token}}으로 끝내지만 토크나이저에 EOS 토큰이 없습니다 (tokenizer_config.json에 eos_token이 없고 &lt;|endoftext|&gt;도 없습니다). 슬롯에 턴 끝 토큰을 직접 쓰는 템플릿을 고르거나 토크나이저를 고치세요</translation>
    </message>
    <message>
        <source>chat template &apos;%1&apos; ends turns with {{eos_token}}, but the tokenizer in %2 has no EOS token (no eos_token in tokenizer_config.json, no &lt;|endoftext|&gt;); pick a template whose slots write their end-of-turn token out, or fix the tokenizer</source>
        <translation>채팅 템플릿 &apos;%1&apos;은(는) 턴을 {{eos_token}}으로 끝내지만 %2의 토크나이저에 EOS 토큰이 없습니다 (tokenizer_config.json에 eos_token이 없고 &lt;|endoftext|&gt;도 없습니다). 슬롯에 턴 끝 토큰을 직접 쓰는 템플릿을 고르거나 토크나이저를 고치세요</translation>
    </message>
    <message>
        <source>messages[%1] is the last message and not an assistant turn; training needs the conversation to end with an assistant or function turn</source>
        <translation>마지막 메시지인 messages[%1]이(가) 어시스턴트 턴이 아닙니다. 학습하려면 대화가 assistant 또는 function 턴으로 끝나야 합니다</translation>
    </message>
    <message>
        <source>messages[%1] is the last message and an assistant turn; a generation prompt needs the conversation to end with a user or observation turn</source>
        <translation>마지막 메시지인 messages[%1]이(가) 어시스턴트 턴입니다. 생성 프롬프트는 대화가 user 또는 observation 턴으로 끝나야 합니다</translation>
    </message>
    <message>
        <source>unknown chat template &apos;%1&apos; (known templates: %2)</source>
        <translation>알 수 없는 채팅 템플릿 &apos;%1&apos;입니다 (알려진 템플릿: %2)</translation>
    </message>
    <message>
        <source>no model chosen</source>
        <translation>모델을 고르지 않았습니다</translation>
    </message>
    <message>
        <source>no dataset to predict chosen</source>
        <translation>예측할 데이터셋을 고르지 않았습니다</translation>
    </message>
    <message>
        <source>must be at least 1, got %1</source>
        <translation>1 이상이어야 합니다. 현재 값: %1</translation>
    </message>
    <message>
        <source>must be 0 (all) or more, got %1</source>
        <translation>0(전체) 이상이어야 합니다. 현재 값: %1</translation>
    </message>
    <message>
        <source>must be above 0 when do_sample is true</source>
        <translation>do_sample이 true이면 0보다 커야 합니다</translation>
    </message>
    <message>
        <source>must be 0 (off) or more</source>
        <translation>0(끔) 이상이어야 합니다</translation>
    </message>
    <message>
        <source>must be above 0</source>
        <translation>0보다 커야 합니다</translation>
    </message>
    <message>
        <source>&apos;base&apos; compares a fine-tuned checkpoint with its base model: choose a checkpoint (adapter_name_or_path) first</source>
        <translation>&apos;base&apos;는 미세 조정된 체크포인트를 기반 모델과 비교합니다: 먼저 체크포인트(adapter_name_or_path)를 고르세요</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a reward model (no value_head.safetensors); choose a model or adapter trained with stage rm</source>
        <translation>&apos;%1&apos;은(는) 보상 모델이 아닙니다 (value_head.safetensors가 없습니다). stage rm으로 학습한 모델이나 어댑터를 고르세요</translation>
    </message>
    <message>
        <source>&apos;%1&apos; holds neither a LoRA adapter (adapter_config.json) nor a model (config.json)</source>
        <translation>&apos;%1&apos;에 LoRA 어댑터(adapter_config.json)도 모델(config.json)도 없습니다</translation>
    </message>
    <message>
        <source>%1: the record has no reference answer (label) to score a prediction against; predictions need sft records with an output/assistant turn</source>
        <translation>%1: 레코드에 예측을 채점할 참조 답변(label)이 없습니다. 예측에는 output/assistant 턴이 있는 sft 레코드가 필요합니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; holds no samples</source>
        <translation>&apos;%1&apos;에 샘플이 없습니다</translation>
    </message>
    <message>
        <source>the run trained a LoRA adapter on top of &apos;%1&apos;; predict it from the Evaluate tab or a config without do_train, after merging (lathe-cli export)</source>
        <translation>이 실행은 &apos;%1&apos; 위에 LoRA 어댑터를 학습했습니다. 병합한 뒤(lathe-cli export) 평가 탭이나 do_train이 없는 설정에서 예측하세요</translation>
    </message>
    <message>
        <source>line %1 is not JSON (%2)</source>
        <translation>%1번째 줄이 JSON이 아닙니다 (%2)</translation>
    </message>
    <message>
        <source>line %1 has no &apos;%2&apos; field</source>
        <translation>%1번째 줄에 &apos;%2&apos; 필드가 없습니다</translation>
    </message>
    <message>
        <source>line %1: &apos;%2&apos; is not a string</source>
        <translation>%1번째 줄: &apos;%2&apos;이(가) 문자열이 아닙니다</translation>
    </message>
    <message>
        <source>cannot put back as %1 (%2)</source>
        <translation>%1(으)로 되돌릴 수 없습니다 (%2)</translation>
    </message>
    <message>
        <source>cannot remove (%1)</source>
        <translation>지울 수 없습니다 (%1)</translation>
    </message>
    <message>
        <source>not a complete checkpoint (missing %1)</source>
        <translation>완전한 체크포인트가 아닙니다 (%1이(가) 없습니다)</translation>
    </message>
    <message>
        <source>checkpoint &apos;%1&apos; does not exist</source>
        <translation>체크포인트 &apos;%1&apos;이(가) 없습니다</translation>
    </message>
    <message>
        <source>missing tensor &apos;%1&apos;</source>
        <translation>텐서 &apos;%1&apos;이(가) 없습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; does not exist</source>
        <translation>&apos;%1&apos;이(가) 없습니다</translation>
    </message>
    <message>
        <source>unknown size &apos;%1&apos; (expected %2)</source>
        <translation>알 수 없는 크기 &apos;%1&apos;입니다 (%2 중 하나여야 합니다)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; holds no tokenizer.json or tokenizer.model</source>
        <translation>&apos;%1&apos;에 tokenizer.json도 tokenizer.model도 없습니다</translation>
    </message>
    <message>
        <source>the datasets hold no text to train a tokenizer on</source>
        <translation>데이터셋에 토크나이저를 학습할 텍스트가 없습니다</translation>
    </message>
    <message>
        <source>cannot write the tokenizer corpus</source>
        <translation>토크나이저 말뭉치를 쓸 수 없습니다</translation>
    </message>
    <message>
        <source>lora_target is empty; valid: all, %1</source>
        <translation>lora_target이 비어 있습니다. 가능한 값: all, %1</translation>
    </message>
    <message>
        <source>this model has no Linear module named &apos;%1&apos;; valid: %2</source>
        <translation>이 모델에는 &apos;%1&apos;(이)라는 Linear 모듈이 없습니다. 가능한 값: %2</translation>
    </message>
    <message>
        <source>this model has no Linear module named &apos;%1&apos; (did you mean &apos;%2&apos;?); valid: %3</source>
        <translation>이 모델에는 &apos;%1&apos;(이)라는 Linear 모듈이 없습니다(&apos;%2&apos;을(를) 뜻하셨습니까?). 가능한 값: %3</translation>
    </message>
    <message>
        <source>this model has no module named &apos;%1&apos;; valid: %2</source>
        <translation>이 모델에는 &apos;%1&apos;(이)라는 모듈이 없습니다. 가능한 값: %2</translation>
    </message>
    <message>
        <source>this model has no module named &apos;%1&apos; (did you mean &apos;%2&apos;?); valid: %3</source>
        <translation>이 모델에는 &apos;%1&apos;(이)라는 모듈이 없습니다(&apos;%2&apos;을(를) 뜻하셨습니까?). 가능한 값: %3</translation>
    </message>
    <message>
        <source>this model has no module named &apos;%1&apos;; valid: %2 (this model ties lm_head to embed_tokens: name embed_tokens instead)</source>
        <translation>이 모델에는 &apos;%1&apos;(이)라는 모듈이 없습니다. 가능한 값: %2 (이 모델은 lm_head를 embed_tokens에 묶어 둡니다. 대신 embed_tokens를 지정하세요)</translation>
    </message>
    <message>
        <source>this model has no module named &apos;%1&apos; (did you mean &apos;%2&apos;?); valid: %3 (this model ties lm_head to embed_tokens: name embed_tokens instead)</source>
        <translation>이 모델에는 &apos;%1&apos;(이)라는 모듈이 없습니다(&apos;%2&apos;을(를) 뜻하셨습니까?). 가능한 값: %3 (이 모델은 lm_head를 embed_tokens에 묶어 둡니다. 대신 embed_tokens를 지정하세요)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is quantized and cannot be trained fully</source>
        <translation>&apos;%1&apos;은(는) 양자화되어 있어 전체를 학습할 수 없습니다</translation>
    </message>
    <message>
        <source>lora_rank must be a positive integer, got %1</source>
        <translation>lora_rank는 양의 정수여야 합니다. 받은 값: %1</translation>
    </message>
    <message>
        <source>lora_alpha must be positive, got %1</source>
        <translation>lora_alpha는 양수여야 합니다. 받은 값: %1</translation>
    </message>
    <message>
        <source>lora_dropout must be in [0, 1), got %1</source>
        <translation>lora_dropout은 [0, 1) 범위여야 합니다. 받은 값: %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is both a lora_target and an additional_target; choose one</source>
        <translation>&apos;%1&apos;이(가) lora_target이면서 additional_target입니다. 하나만 선택하세요</translation>
    </message>
    <message>
        <source>&apos;%1&apos; already has an adapter; merge or unload it first</source>
        <translation>&apos;%1&apos;에 이미 어댑터가 있습니다. 먼저 병합하거나 내리세요</translation>
    </message>
    <message>
        <source>freeze_trainable_modules is empty; use &apos;all&apos; or module names</source>
        <translation>freeze_trainable_modules가 비어 있습니다. &apos;all&apos; 또는 모듈 이름을 지정하세요</translation>
    </message>
    <message>
        <source>freeze_trainable_layers = %1 with freeze_trainable_modules = %2 leaves nothing to train (the model has %3 layers)</source>
        <translation>freeze_trainable_layers = %1, freeze_trainable_modules = %2(으)로는 학습할 것이 남지 않습니다 (모델의 레이어 수: %3)</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; must be a number, got %2</source>
        <translation>필드 &apos;%1&apos;은(는) 숫자여야 합니다. 받은 값: %2</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; must be a number, got nothing</source>
        <translation>필드 &apos;%1&apos;은(는) 숫자여야 하는데 값이 없습니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; must be true or false, got %2</source>
        <translation>필드 &apos;%1&apos;은(는) true 또는 false여야 합니다. 받은 값: %2</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; must be true or false, got nothing</source>
        <translation>필드 &apos;%1&apos;은(는) true 또는 false여야 하는데 값이 없습니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; must be a list of module names, got %2</source>
        <translation>필드 &apos;%1&apos;은(는) 모듈 이름 목록이어야 합니다. 받은 값: %2</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; must be a list of module names, got nothing</source>
        <translation>필드 &apos;%1&apos;은(는) 모듈 이름 목록이어야 하는데 값이 없습니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; must be a string, got %2</source>
        <translation>필드 &apos;%1&apos;은(는) 문자열이어야 합니다. 받은 값: %2</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; must be a string, got nothing</source>
        <translation>필드 &apos;%1&apos;은(는) 문자열이어야 하는데 값이 없습니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; must be a positive integer, got %2</source>
        <translation>필드 &apos;%1&apos;은(는) 양의 정수여야 합니다. 받은 값: %2</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; must be a positive integer, got nothing</source>
        <translation>필드 &apos;%1&apos;은(는) 양의 정수여야 하는데 값이 없습니다</translation>
    </message>
    <message>
        <source>rank_pattern %1 is not supported (Lathe uses one rank for every module)</source>
        <translation>rank_pattern %1은(는) 지원하지 않습니다 (Lathe는 모든 모듈에 같은 rank를 씁니다)</translation>
    </message>
    <message>
        <source>alpha_pattern %1 is not supported (Lathe uses one alpha for every module)</source>
        <translation>alpha_pattern %1은(는) 지원하지 않습니다 (Lathe는 모든 모듈에 같은 alpha를 씁니다)</translation>
    </message>
    <message>
        <source>layer_replication %1 is not supported (layer replication is not supported)</source>
        <translation>layer_replication %1은(는) 지원하지 않습니다 (레이어 복제는 지원하지 않습니다)</translation>
    </message>
    <message>
        <source>: the adapter was probably trained on another base model (adapter_config.json base_model_name_or_path: %1, this model: %2)</source>
        <translation>: 이 어댑터는 다른 기반 모델에서 학습되었을 가능성이 높습니다 (adapter_config.json의 base_model_name_or_path: %1, 이 모델: %2)</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>알 수 없음</translation>
    </message>
    <message>
        <source>adapter folder &apos;%1&apos; does not exist</source>
        <translation>어댑터 폴더 &apos;%1&apos;이(가) 없습니다</translation>
    </message>
    <message>
        <source>no %1 (a PEFT LoRA adapter folder holds adapter_config.json and adapter_model.safetensors)</source>
        <translation>%1이(가) 없습니다 (PEFT LoRA 어댑터 폴더에는 adapter_config.json과 adapter_model.safetensors가 있어야 합니다)</translation>
    </message>
    <message>
        <source>expected a JSON object</source>
        <translation>JSON 객체여야 합니다</translation>
    </message>
    <message>
        <source>peft_type &apos;%1&apos; is not supported (Lathe loads LoRA and DoRA adapters: peft_type &quot;LORA&quot;)</source>
        <translation>peft_type &apos;%1&apos;은(는) 지원하지 않습니다 (Lathe는 LoRA와 DoRA 어댑터를 읽습니다: peft_type &quot;LORA&quot;)</translation>
    </message>
    <message>
        <source>task_type %1 is not supported (expected &quot;CAUSAL_LM&quot;)</source>
        <translation>task_type %1은(는) 지원하지 않습니다 (&quot;CAUSAL_LM&quot;이어야 합니다)</translation>
    </message>
    <message>
        <source>bias %1 is not supported (expected &quot;none&quot;: Lathe&apos;s LoRA trains no biases)</source>
        <translation>bias %1은(는) 지원하지 않습니다 (&quot;none&quot;이어야 합니다. Lathe의 LoRA는 bias를 학습하지 않습니다)</translation>
    </message>
    <message>
        <source>fan_in_fan_out true is not supported (only GPT-2 style Conv1D layers use it)</source>
        <translation>fan_in_fan_out true는 지원하지 않습니다 (GPT-2 방식의 Conv1D 레이어만 사용합니다)</translation>
    </message>
    <message>
        <source>no %1</source>
        <translation>%1이(가) 없습니다</translation>
    </message>
    <message>
        <source>no %1 (adapter_model.bin is a pickle file Lathe does not read: re-save the adapter with safe_serialization=True)</source>
        <translation>%1이(가) 없습니다 (adapter_model.bin은 Lathe가 읽지 않는 pickle 파일입니다. safe_serialization=True로 어댑터를 다시 저장하세요)</translation>
    </message>
    <message>
        <source>tensor &apos;%1&apos; does not start with &apos;%2&apos; (not a PEFT adapter of a causal language model)</source>
        <translation>텐서 &apos;%1&apos;이(가) &apos;%2&apos;(으)로 시작하지 않습니다 (인과 언어 모델의 PEFT 어댑터가 아닙니다)</translation>
    </message>
    <message>
        <source>tensor &apos;%1&apos; belongs to module &apos;%2&apos;, which this model (%3 layers) does not have%4</source>
        <translation>텐서 &apos;%1&apos;은(는) 모듈 &apos;%2&apos;에 속하는데, 이 모델(레이어 %3개)에는 그 모듈이 없습니다%4</translation>
    </message>
    <message>
        <source>tensor &apos;%1&apos; is not supported (Lathe reads LoRA on Linear layers: lora_A, lora_B, lora_magnitude_vector)</source>
        <translation>텐서 &apos;%1&apos;은(는) 지원하지 않습니다 (Lathe는 Linear 레이어의 LoRA만 읽습니다: lora_A, lora_B, lora_magnitude_vector)</translation>
    </message>
    <message>
        <source>tensor &apos;%1&apos; names parameter &apos;%2&apos;, which this model does not have%3</source>
        <translation>텐서 &apos;%1&apos;이(가) 파라미터 &apos;%2&apos;을(를) 가리키는데, 이 모델에는 그 파라미터가 없습니다%3</translation>
    </message>
    <message>
        <source>holds no adapter tensors</source>
        <translation>어댑터 텐서가 없습니다</translation>
    </message>
    <message>
        <source>tensor &apos;%1&apos; has shape %2, but &apos;%3&apos; of this model needs %4%5</source>
        <translation>텐서 &apos;%1&apos;의 모양은 %2이지만, 이 모델의 &apos;%3&apos;에는 %4이(가) 필요합니다%5</translation>
    </message>
    <message>
        <source>module &apos;%1&apos; has %2 but not %3</source>
        <translation>모듈 &apos;%1&apos;에 %2은(는) 있지만 %3이(가) 없습니다</translation>
    </message>
    <message>
        <source>module &apos;%1&apos; lacks lora_magnitude_vector although adapter_config.json sets use_dora</source>
        <translation>adapter_config.json이 use_dora를 설정하는데도 모듈 &apos;%1&apos;에 lora_magnitude_vector가 없습니다</translation>
    </message>
    <message>
        <source>module &apos;%1&apos; has lora_magnitude_vector although adapter_config.json does not set use_dora</source>
        <translation>adapter_config.json이 use_dora를 설정하지 않는데도 모듈 &apos;%1&apos;에 lora_magnitude_vector가 있습니다</translation>
    </message>
    <message>
        <source>load a model before attaching a fine-tuned checkpoint</source>
        <translation>미세 조정된 체크포인트를 붙이기 전에 모델을 불러오세요</translation>
    </message>
    <message>
        <source>neither a LoRA adapter (adapter_config.json) nor a model folder (config.json)</source>
        <translation>LoRA 어댑터(adapter_config.json)도 모델 폴더(config.json)도 아닙니다</translation>
    </message>
    <message>
        <source>no model is loaded: press Load first</source>
        <translation>불러온 모델이 없습니다. 먼저 불러오기를 누르세요</translation>
    </message>
    <message>
        <source>the prompt is empty: nothing to continue from</source>
        <translation>프롬프트가 비어 있어 이어 쓸 내용이 없습니다</translation>
    </message>
    <message>
        <source>max_new_tokens must be &gt;= 0</source>
        <translation>max_new_tokens는 0 이상이어야 합니다</translation>
    </message>
    <message>
        <source>prompt token id %1 is outside the vocabulary [0, %2)</source>
        <translation>프롬프트의 토큰 id %1이(가) 어휘 범위 [0, %2)를 벗어납니다</translation>
    </message>
    <message>
        <source>temperature must be &gt;= 0, got %1</source>
        <translation>temperature는 0 이상이어야 합니다. 받은 값: %1</translation>
    </message>
    <message>
        <source>top_k must be &gt;= 0, got %1</source>
        <translation>top_k는 0 이상이어야 합니다. 받은 값: %1</translation>
    </message>
    <message>
        <source>top_p must be in (0, 1], got %1</source>
        <translation>top_p는 (0, 1] 범위여야 합니다. 받은 값: %1</translation>
    </message>
    <message>
        <source>repetition_penalty must be &gt; 0, got %1</source>
        <translation>repetition_penalty는 0보다 커야 합니다. 받은 값: %1</translation>
    </message>
    <message>
        <source>repetition penalty: token id %1 is outside the vocabulary [0, %2)</source>
        <translation>반복 페널티: 토큰 id %1이(가) 어휘 범위 [0, %2)를 벗어납니다</translation>
    </message>
    <message>
        <source>missing tokenizer: &apos;%1&apos; has no tokenizer.json or tokenizer.model. An exported model needs its tokenizer so other programs can use it: copy the base model&apos;s tokenizer files into this folder</source>
        <translation>토크나이저가 없습니다: &apos;%1&apos;에 tokenizer.json도 tokenizer.model도 없습니다. 내보낸 모델을 다른 프로그램이 쓰려면 토크나이저가 필요합니다. 기반 모델의 토크나이저 파일을 이 폴더에 복사하세요</translation>
    </message>
    <message>
        <source>no adapter_model.safetensors beside adapter_config.json</source>
        <translation>adapter_config.json 옆에 adapter_model.safetensors가 없습니다</translation>
    </message>
    <message>
        <source>an unknown base</source>
        <translation>알 수 없는 기반 모델</translation>
    </message>
    <message>
        <source>adapter &apos;%1&apos; was trained on %2, not on the model being exported (&apos;%3&apos;): tensor &apos;%4&apos; adapts &apos;%5&apos;, which the model lacks</source>
        <translation>어댑터 &apos;%1&apos;은(는) 내보내는 모델(&apos;%3&apos;)이 아니라 %2에서 학습되었습니다: 텐서 &apos;%4&apos;이(가) &apos;%5&apos;을(를) 조정하는데, 모델에 그것이 없습니다</translation>
    </message>
    <message>
        <source>adapter &apos;%1&apos; was trained on %2, not on the model being exported (&apos;%3&apos;): tensor &apos;%4&apos; has shape %5 but &apos;%6&apos; is %7</source>
        <translation>어댑터 &apos;%1&apos;은(는) 내보내는 모델(&apos;%3&apos;)이 아니라 %2에서 학습되었습니다: 텐서 &apos;%4&apos;의 모양은 %5이지만 &apos;%6&apos;은(는) %7입니다</translation>
    </message>
    <message>
        <source>export_dir &apos;%1&apos; is inside the source model folder &apos;%2&apos;; the export must not be written into its source: choose a folder outside it</source>
        <translation>export_dir &apos;%1&apos;이(가) 원본 모델 폴더 &apos;%2&apos; 안에 있습니다. 내보내기를 원본 안에 쓸 수 없으니 그 밖의 폴더를 선택하세요</translation>
    </message>
    <message>
        <source>export_dir &apos;%1&apos; is inside the adapter folder &apos;%2&apos;; the export must not be written into its source: choose a folder outside it</source>
        <translation>export_dir &apos;%1&apos;이(가) 어댑터 폴더 &apos;%2&apos; 안에 있습니다. 내보내기를 원본 안에 쓸 수 없으니 그 밖의 폴더를 선택하세요</translation>
    </message>
    <message>
        <source>export_dir &apos;%1&apos; contains the source model folder &apos;%2&apos;; replacing it would delete the source: choose another folder</source>
        <translation>export_dir &apos;%1&apos;이(가) 원본 모델 폴더 &apos;%2&apos;을(를) 포함합니다. 바꾸면 원본이 지워지니 다른 폴더를 선택하세요</translation>
    </message>
    <message>
        <source>export_dir &apos;%1&apos; contains the adapter folder &apos;%2&apos;; replacing it would delete the source: choose another folder</source>
        <translation>export_dir &apos;%1&apos;이(가) 어댑터 폴더 &apos;%2&apos;을(를) 포함합니다. 바꾸면 원본이 지워지니 다른 폴더를 선택하세요</translation>
    </message>
    <message>
        <source>export_dir &apos;%1&apos; is a file, not a folder</source>
        <translation>export_dir &apos;%1&apos;은(는) 폴더가 아니라 파일입니다</translation>
    </message>
    <message>
        <source>export_dir &apos;%1&apos; is not empty; set export_overwrite: true to replace its contents</source>
        <translation>export_dir &apos;%1&apos;이(가) 비어 있지 않습니다. 내용을 바꾸려면 export_overwrite: true로 설정하세요</translation>
    </message>
    <message>
        <source>folder &apos;%1&apos; does not exist</source>
        <translation>폴더 &apos;%1&apos;이(가) 없습니다</translation>
    </message>
    <message>
        <source>stage dpo needs preference pairs (a dataset with &quot;ranking&quot;: true)</source>
        <translation>stage dpo에는 선호 쌍이 필요합니다 (&quot;ranking&quot;: true인 데이터셋)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; needs a reference model</source>
        <translation>&apos;%1&apos;에는 참조 모델이 필요합니다</translation>
    </message>
    <message>
        <source>stage kto needs examples with a kto_tag (a dataset whose &quot;columns&quot; name &apos;kto_tag&apos;)</source>
        <translation>stage kto에는 kto_tag가 있는 예제가 필요합니다 (&quot;columns&quot;에 &apos;kto_tag&apos;를 지정한 데이터셋)</translation>
    </message>
    <message>
        <source>%1: no kto_tag (stage kto needs every record labelled true or false)</source>
        <translation>%1: kto_tag가 없습니다 (stage kto에서는 모든 레코드에 true 또는 false 표시가 필요합니다)</translation>
    </message>
    <message>
        <source>stage rm needs preference pairs (a dataset with &quot;ranking&quot;: true)</source>
        <translation>stage rm에는 선호 쌍이 필요합니다 (&quot;ranking&quot;: true인 데이터셋)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a preference stage (rm, dpo, kto)</source>
        <translation>&apos;%1&apos;은(는) 선호 학습 단계(rm, dpo, kto)가 아닙니다</translation>
    </message>
    <message>
        <source>unknown schedule &apos;%1&apos;</source>
        <translation>알 수 없는 스케줄 &apos;%1&apos;입니다</translation>
    </message>
    <message>
        <source>unknown key &apos;%1&apos;</source>
        <translation>알 수 없는 키 &apos;%1&apos;입니다</translation>
    </message>
    <message>
        <source>%1: %2: expected a plain value, got a mapping</source>
        <translation>%1: %2: 단일 값이어야 하는데 매핑이 있습니다</translation>
    </message>
    <message>
        <source>the ranks do not see the same checkpoint (rank %1 sees none); output_dir must be on a file system every machine of the run sees</source>
        <translation>랭크들이 같은 체크포인트를 보지 않습니다 (랭크 %1은(는) 체크포인트를 보지 못합니다). output_dir은 실행에 참여하는 모든 머신이 보는 파일 시스템에 있어야 합니다</translation>
    </message>
    <message>
        <source>must be 0 or more, got %1</source>
        <translation>0 이상이어야 합니다 (입력값: %1)</translation>
    </message>
    <message>
        <source>%1 is not a TCP port (0-65535)</source>
        <translation>%1은(는) TCP 포트가 아닙니다 (0-65535)</translation>
    </message>
    <message>
        <source>host %1 is reachable from other machines: set an API key (--api-key or API_KEY) to serve on it, or keep the default 127.0.0.1</source>
        <translation>호스트 %1은(는) 다른 머신에서 접근할 수 있습니다. 이 주소로 서비스하려면 API 키(--api-key 또는 API_KEY)를 설정하거나, 기본값 127.0.0.1을 유지하세요</translation>
    </message>
    <message>
        <source>the request body limit must be at least 1 KB</source>
        <translation>요청 본문 한도는 1 KB 이상이어야 합니다</translation>
    </message>
    <message>
        <source>must be at least 1 second</source>
        <translation>1초 이상이어야 합니다</translation>
    </message>
    <message>
        <source>cannot listen on %1 (the port is in use, or the address is not one of this machine&apos;s)</source>
        <translation>%1에서 연결을 받을 수 없습니다 (포트가 사용 중이거나, 이 머신의 주소가 아닙니다)</translation>
    </message>
    <message>
        <source>unknown inference weights &apos;%1&apos; (expected auto, f32, bf16 or int8)</source>
        <translation>알 수 없는 추론 가중치 형식 &apos;%1&apos; (auto, f32, bf16, int8 중 하나여야 합니다)</translation>
    </message>
    <message>
        <source>int8 weights need an input size that is a multiple of %1, this weight has %2</source>
        <translation>int8 가중치는 입력 크기가 %1의 배수여야 합니다. 이 가중치의 입력 크기는 %2입니다</translation>
    </message>
    <message>
        <source>this model&apos;s weights are packed for inference (%1); load it in float32 to train</source>
        <translation>이 모델의 가중치는 추론용으로 압축되어 있습니다 (%1). 학습하려면 float32로 불러오세요</translation>
    </message>
    <message>
        <source>token id %1 is outside the embedding table [0, %2)</source>
        <translation>토큰 id %1이(가) 임베딩 테이블 범위 [0, %2)를 벗어납니다</translation>
    </message>
    <message>
        <source>int8 weights run on the CPU; on %1 choose bf16 or f32</source>
        <translation>int8 가중치는 CPU에서만 실행됩니다. %1에서는 bf16 또는 f32를 선택하세요</translation>
    </message>
    <message>
        <source>packed inference weights live on the CPU; this model is on %1</source>
        <translation>압축된 추론 가중치는 CPU에 있어야 합니다. 이 모델은 %1에 있습니다</translation>
    </message>
    <message>
        <source>token id %1 is outside the model&apos;s embedding table (%2 rows, vocab_size in config.json): the tokenizer and the model do not match, or the text holds a token this model has no row for</source>
        <translation>토큰 id %1이(가) 모델의 임베딩 테이블(%2행, config.json의 vocab_size)을 벗어납니다. 토크나이저와 모델이 맞지 않거나, 텍스트에 이 모델에 행이 없는 토큰이 있습니다</translation>
    </message>
    <message>
        <source>context full: %1 tokens exceed the cache of %2</source>
        <translation>컨텍스트가 가득 찼습니다: %1 토큰이 캐시 크기 %2을(를) 넘습니다</translation>
    </message>
    <message>
        <source>GGUF export supports model_type llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, qwen2_moe and qwen3_moe; this model is &apos;%1&apos; (export_format: hf writes it)</source>
        <translation>GGUF 내보내기는 model_type llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, qwen2_moe, qwen3_moe를 지원합니다. 이 모델은 &apos;%1&apos;입니다 (export_format: hf로는 내보낼 수 있습니다)</translation>
    </message>
    <message>
        <source>export_quantization &apos;%1&apos; is not one of f32, f16, bf16, q8_0, q4_0, q4_k_m</source>
        <translation>export_quantization &apos;%1&apos;은(는) f32, f16, bf16, q8_0, q4_0, q4_k_m 중 하나가 아닙니다</translation>
    </message>
    <message>
        <source>GGUF export: llama.cpp reads longrope factors only for phi3 models; this is &apos;%1&apos;</source>
        <translation>GGUF 내보내기: llama.cpp는 phi3 모델에서만 longrope 계수를 읽습니다. 이 모델은 &apos;%1&apos;입니다</translation>
    </message>
    <message>
        <source>SentencePiece training: input_files is empty</source>
        <translation>SentencePiece 학습: input_files가 비어 있습니다</translation>
    </message>
    <message>
        <source>SentencePiece training: input file not found: %1</source>
        <translation>SentencePiece 학습: 입력 파일을 찾을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>SentencePiece training: model_prefix is empty</source>
        <translation>SentencePiece 학습: model_prefix가 비어 있습니다</translation>
    </message>
    <message>
        <source>SentencePiece training: vocab_size must be positive, found %1</source>
        <translation>SentencePiece 학습: vocab_size는 양수여야 합니다 (입력값: %1)</translation>
    </message>
    <message>
        <source>SentencePiece training: model_type must be bpe, unigram, char or word, found &quot;%1&quot;</source>
        <translation>SentencePiece 학습: model_type은 bpe, unigram, char, word 중 하나여야 합니다 (입력값: &quot;%1&quot;)</translation>
    </message>
    <message>
        <source>SentencePiece training: character_coverage must be in (0, 1], found %1</source>
        <translation>SentencePiece 학습: character_coverage는 (0, 1] 범위여야 합니다 (입력값: %1)</translation>
    </message>
    <message>
        <source>SentencePiece training: normalization_rule_name &quot;%1&quot; is not a rule name</source>
        <translation>SentencePiece 학습: normalization_rule_name &quot;%1&quot;은(는) 규칙 이름이 아닙니다</translation>
    </message>
    <message>
        <source>SentencePiece training: user-defined symbol &quot;%1&quot; is empty or holds a space or comma</source>
        <translation>SentencePiece 학습: 사용자 정의 기호 &quot;%1&quot;이(가) 비어 있거나 공백 또는 쉼표를 포함합니다</translation>
    </message>
    <message>
        <source>SentencePiece training: extra argument &quot;%1&quot; must be --name=value without spaces</source>
        <translation>SentencePiece 학습: 추가 인자 &quot;%1&quot;은(는) 공백 없는 --name=value 형식이어야 합니다</translation>
    </message>
    <message>
        <source>SentencePiece training: the temp folder %1 holds a space or comma; set TMPDIR to a plain path</source>
        <translation>SentencePiece 학습: 임시 폴더 %1에 공백이나 쉼표가 있습니다. TMPDIR을 단순한 경로로 설정하세요</translation>
    </message>
    <message>
        <source>SentencePiece training failed: %1</source>
        <translation>SentencePiece 학습 실패: %1</translation>
    </message>
    <message>
        <source>%1 not found; the judge must be a reward model trained with stage rm</source>
        <translation>%1을(를) 찾을 수 없습니다. 심판은 stage rm으로 학습한 보상 모델이어야 합니다</translation>
    </message>
    <message>
        <source>%1: base_model_name_or_path &apos;%2&apos; is not a folder here; the reward model&apos;s base must be available</source>
        <translation>%1: base_model_name_or_path &apos;%2&apos;이(가) 이 컴퓨터의 폴더가 아닙니다. 보상 모델의 기본 모델이 있어야 합니다</translation>
    </message>
    <message>
        <source>alpaca needs a question and an answer, but %1 has no human turn followed by a gpt turn</source>
        <translation>alpaca에는 질문과 답이 필요하지만, %1에는 human 턴 다음에 gpt 턴이 없습니다</translation>
    </message>
    <message>
        <source>alpaca keeps instruction/output records, but %1 is plain text; write plain documents with output_format: text</source>
        <translation>alpaca는 instruction/output 레코드를 저장하지만, %1은(는) 일반 텍스트입니다. 일반 문서는 output_format: text로 쓰세요</translation>
    </message>
    <message>
        <source>sharegpt keeps conversations, but %1 is plain text; write plain documents with output_format: text</source>
        <translation>sharegpt는 대화를 저장하지만, %1은(는) 일반 텍스트입니다. 일반 문서는 output_format: text로 쓰세요</translation>
    </message>
    <message>
        <source>float16 training needs loss scaling, which Lathe does not do; use bf16 instead</source>
        <translation>float16 학습에는 손실 스케일링이 필요하지만 Lathe는 지원하지 않습니다. 대신 bf16을 사용하세요</translation>
    </message>
    <message>
        <source>quantization_bit must be 4 (NF4) or 8 (int8), got %1</source>
        <translation>quantization_bit는 4(NF4) 또는 8(int8)이어야 합니다 (입력값: %1)</translation>
    </message>
    <message>
        <source>loading %1</source>
        <translation>%1 불러오는 중</translation>
    </message>
    <message>
        <source>merging adapter %1 of %2: %3</source>
        <translation>어댑터 병합 중 (%1/%2): %3</translation>
    </message>
    <message>
        <source>checking the model, adapters, tokenizer and target</source>
        <translation>모델, 어댑터, 토크나이저와 대상 확인 중</translation>
    </message>
    <message>
        <source>done</source>
        <translation>완료</translation>
    </message>
    <message>
        <source>writing %1 (%2)</source>
        <translation>%1 쓰는 중 (%2)</translation>
    </message>
    <message>
        <source>written %1</source>
        <translation>%1 작성 완료</translation>
    </message>
    <message>
        <source>converting weights to %1</source>
        <translation>가중치를 %1(으)로 변환하는 중</translation>
    </message>
    <message>
        <source>writing weights</source>
        <translation>가중치 쓰는 중</translation>
    </message>
    <message>
        <source>writing config and tokenizer</source>
        <translation>설정과 토크나이저 쓰는 중</translation>
    </message>
    <message>
        <source>written</source>
        <translation>작성 완료</translation>
    </message>
    <message>
        <source>&apos;chosen&apos; and &apos;rejected&apos; are identical; a preference pair needs two different responses</source>
        <translation>&apos;chosen&apos;과 &apos;rejected&apos;가 같습니다. 선호 쌍에는 서로 다른 두 응답이 필요합니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; item %2 is %3, expected a [query, response] pair of strings</source>
        <translation>&apos;%1&apos; 필드의 항목 %2이(가) %3입니다. 문자열 [query, response] 쌍이어야 합니다</translation>
    </message>
    <message>
        <source>message %1 is %2, expected an object with &apos;%3&apos; and &apos;%4&apos;</source>
        <translation>메시지 %1이(가) %2입니다. &apos;%3&apos;과 &apos;%4&apos;를 가진 객체여야 합니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is %2, expected an object with &apos;%3&apos; and &apos;%4&apos;</source>
        <translation>&apos;%1&apos;이(가) %2입니다. &apos;%3&apos;과 &apos;%4&apos;를 가진 객체여야 합니다</translation>
    </message>
    <message>
        <source>message %1 has role &apos;%2&apos; but a user turn was expected (role %3)</source>
        <translation>메시지 %1의 역할이 &apos;%2&apos;입니다. 여기에는 사용자 차례가 와야 합니다 (역할 %3)</translation>
    </message>
    <message>
        <source>message %1 has role &apos;%2&apos; but an assistant turn was expected (role %3)</source>
        <translation>메시지 %1의 역할이 &apos;%2&apos;입니다. 여기에는 어시스턴트 차례가 와야 합니다 (역할 %3)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; has role &apos;%2&apos; but an assistant turn was expected (role %3)</source>
        <translation>&apos;%1&apos;의 역할이 &apos;%2&apos;입니다. 어시스턴트 차례여야 합니다 (역할 %3)</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; holds no messages</source>
        <translation>&apos;%1&apos; 필드에 메시지가 없습니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; holds no messages besides the system one</source>
        <translation>&apos;%1&apos; 필드에 시스템 메시지 말고는 메시지가 없습니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; is empty; a document needs text</source>
        <translation>&apos;%1&apos; 필드가 비어 있습니다. 문서에는 텍스트가 필요합니다</translation>
    </message>
    <message>
        <source>message 1 is empty; a document needs text</source>
        <translation>메시지 1이 비어 있습니다. 문서에는 텍스트가 필요합니다</translation>
    </message>
    <message>
        <source>the conversation ends with an assistant turn (message %1), but a ranking record ends with a user turn and keeps its answers in &apos;chosen&apos; and &apos;rejected&apos;</source>
        <translation>대화가 어시스턴트 차례(메시지 %1)로 끝납니다. 순위(ranking) 레코드는 사용자 차례로 끝나고 답은 &apos;chosen&apos;과 &apos;rejected&apos;에 둡니다</translation>
    </message>
    <message>
        <source>the conversation ends with a user turn (message %1); an assistant turn must answer it</source>
        <translation>대화가 사용자 차례(메시지 %1)로 끝납니다. 어시스턴트 차례가 답해야 합니다</translation>
    </message>
    <message>
        <source>cannot stat (%1)</source>
        <translation>파일 정보를 읽을 수 없습니다 (%1)</translation>
    </message>
    <message>
        <source>not a regular file</source>
        <translation>일반 파일이 아닙니다</translation>
    </message>
    <message>
        <source>cannot mmap (%1)</source>
        <translation>메모리에 매핑할 수 없습니다 (%1)</translation>
    </message>
    <message>
        <source>file is %1 bytes, too short for a safetensors file (the header length alone takes 8)</source>
        <translation>파일이 %1바이트로, safetensors 파일이 되기에는 너무 짧습니다 (헤더 길이만 8바이트입니다)</translation>
    </message>
    <message>
        <source>header says %1 bytes but the file has %2 (%3 after the 8-byte length)</source>
        <translation>헤더는 %1바이트라고 하지만 파일은 %2바이트입니다 (8바이트 길이 뒤로 %3바이트)</translation>
    </message>
    <message>
        <source>header is not valid JSON at byte %1 of the header (file offset %2): %3</source>
        <translation>헤더의 %1번째 바이트(파일 오프셋 %2)에서 JSON이 올바르지 않습니다: %3</translation>
    </message>
    <message>
        <source>header is not valid JSON: %1</source>
        <translation>헤더가 올바른 JSON이 아닙니다: %1</translation>
    </message>
    <message>
        <source>header names tensor %1 twice</source>
        <translation>헤더가 텐서 %1을(를) 두 번 적고 있습니다</translation>
    </message>
    <message>
        <source>header is a JSON %1, expected an object</source>
        <translation>헤더가 JSON %1입니다. 객체여야 합니다</translation>
    </message>
    <message>
        <source>__metadata__ is a JSON %1, expected an object of strings</source>
        <translation>__metadata__가 JSON %1입니다. 문자열로 된 객체여야 합니다</translation>
    </message>
    <message>
        <source>__metadata__ %1 is a %2, expected a string</source>
        <translation>__metadata__ %1이(가) %2입니다. 문자열이어야 합니다</translation>
    </message>
    <message>
        <source>tensor %1: &quot;dtype&quot; is a %2, expected a string</source>
        <translation>텐서 %1: &quot;dtype&quot;이 %2입니다. 문자열이어야 합니다</translation>
    </message>
    <message>
        <source>tensor %1: unsupported dtype %2 (Lathe reads %3)</source>
        <translation>텐서 %1: 지원하지 않는 dtype %2입니다 (Lathe가 읽는 것: %3)</translation>
    </message>
    <message>
        <source>tensor %1: &quot;shape&quot; is a %2, expected a list of integers</source>
        <translation>텐서 %1: &quot;shape&quot;이 %2입니다. 정수 목록이어야 합니다</translation>
    </message>
    <message>
        <source>tensor %1: shape %2 has a negative dimension</source>
        <translation>텐서 %1: 모양 %2에 음수 차원이 있습니다</translation>
    </message>
    <message>
        <source>tensor %1: shape %2 holds %3, expected a non-negative integer</source>
        <translation>텐서 %1: 모양 %2에 %3이(가) 있습니다. 0 이상의 정수여야 합니다</translation>
    </message>
    <message>
        <source>tensor %1: shape %2 has a dimension too large for int64</source>
        <translation>텐서 %1: 모양 %2에 int64로 담을 수 없는 큰 차원이 있습니다</translation>
    </message>
    <message>
        <source>tensor %1: &quot;data_offsets&quot; is %2, expected [begin, end] (non-negative integers)</source>
        <translation>텐서 %1: &quot;data_offsets&quot;가 %2입니다. [begin, end] (0 이상의 정수)여야 합니다</translation>
    </message>
    <message>
        <source>tensor %1: data_offsets [%2, %3]: end is before begin</source>
        <translation>텐서 %1: data_offsets [%2, %3]: end가 begin보다 앞입니다</translation>
    </message>
    <message>
        <source>tensor %1: entry is a JSON %2, expected an object</source>
        <translation>텐서 %1: 항목이 JSON %2입니다. 객체여야 합니다</translation>
    </message>
    <message>
        <source>tensor %1: missing &quot;%2&quot;</source>
        <translation>텐서 %1: &quot;%2&quot;가 없습니다</translation>
    </message>
    <message>
        <source>tensor %1: expected %2 bytes for %3 %4, got %5 (data_offsets [%6, %7])</source>
        <translation>텐서 %1: %3 %4에는 %2바이트가 필요한데 %5바이트입니다 (data_offsets [%6, %7])</translation>
    </message>
    <message>
        <source>tensor %1: data_offsets %2 lie outside the data section (%3 bytes)</source>
        <translation>텐서 %1: data_offsets %2이(가) 데이터 영역(%3바이트) 밖에 있습니다</translation>
    </message>
    <message>
        <source>file is truncated: tensor %1 needs data bytes %2 but the data section has %3 (file is %4 bytes, needs at least %5)</source>
        <translation>파일이 잘려 있습니다: 텐서 %1에는 데이터 바이트 %2이(가) 필요하지만 데이터 영역은 %3바이트입니다 (파일 %4바이트, 최소 %5바이트 필요)</translation>
    </message>
    <message>
        <source>tensors %1 %2 and %3 %4 overlap</source>
        <translation>텐서 %1 %2와(과) %3 %4이(가) 겹칩니다</translation>
    </message>
    <message>
        <source>model folder not found</source>
        <translation>모델 폴더가 없습니다</translation>
    </message>
    <message>
        <source>no model weights: looked for %1 and %2</source>
        <translation>모델 가중치가 없습니다: %1과(와) %2를 찾아보았습니다</translation>
    </message>
    <message>
        <source>shard name %1 points outside the model folder</source>
        <translation>샤드 이름 %1이(가) 모델 폴더 밖을 가리킵니다</translation>
    </message>
    <message>
        <source>names shard %1, which is missing from %2</source>
        <translation>샤드 %1을(를) 적고 있지만 %2에 없습니다</translation>
    </message>
    <message>
        <source>tensor %1 is in two shards: %2 and %3</source>
        <translation>텐서 %1이(가) 두 샤드에 있습니다: %2, %3</translation>
    </message>
    <message>
        <source>no &quot;weight_map&quot; object (tensor name -&gt; shard file)</source>
        <translation>&quot;weight_map&quot; 객체(텐서 이름 -&gt; 샤드 파일)가 없습니다</translation>
    </message>
    <message>
        <source>weight_map %1 is a %2, expected a shard file name</source>
        <translation>weight_map %1이(가) %2입니다. 샤드 파일 이름이어야 합니다</translation>
    </message>
    <message>
        <source>maps tensor %1 to %2, which lacks it (no listed shard has it)</source>
        <translation>텐서 %1을(를) %2에 연결하지만 그 파일에 없습니다 (적힌 어느 샤드에도 없습니다)</translation>
    </message>
    <message>
        <source>maps tensor %1 to %2, which lacks it (it is in %3)</source>
        <translation>텐서 %1을(를) %2에 연결하지만 그 파일에 없습니다 (%3에 있습니다)</translation>
    </message>
    <message>
        <source>no tensor %1 (the folder holds %2 tensors)</source>
        <translation>텐서 %1이(가) 없습니다 (폴더에 텐서 %2개가 있습니다)</translation>
    </message>
    <message>
        <source>tokenizer folder not found</source>
        <translation>토크나이저 폴더가 없습니다</translation>
    </message>
    <message>
        <source>not a folder (expected a model folder holding tokenizer.json or tokenizer.model)</source>
        <translation>폴더가 아닙니다 (tokenizer.json이나 tokenizer.model이 있는 모델 폴더여야 합니다)</translation>
    </message>
    <message>
        <source>no tokenizer.json or tokenizer.model in this folder</source>
        <translation>이 폴더에 tokenizer.json도 tokenizer.model도 없습니다</translation>
    </message>
    <message>
        <source>not found; a reward model (stage rm) keeps its value head in this file</source>
        <translation>없습니다. 보상 모델(stage rm)은 가치 헤드를 이 파일에 둡니다</translation>
    </message>
    <message>
        <source>tensor &apos;%1&apos; is missing</source>
        <translation>텐서 &apos;%1&apos;이(가) 없습니다</translation>
    </message>
    <message>
        <source>tensor &apos;%1&apos; has shape %2, expected %3 (was the value head trained on another model?)</source>
        <translation>텐서 &apos;%1&apos;의 모양이 %2입니다. %3이어야 합니다 (가치 헤드를 다른 모델로 학습했나요?)</translation>
    </message>
    <message>
        <source>optimizer state &apos;%1&apos; is missing</source>
        <translation>옵티마이저 상태 &apos;%1&apos;이(가) 없습니다</translation>
    </message>
    <message>
        <source>optimizer state &apos;%1&apos; has shape %2, expected %3</source>
        <translation>옵티마이저 상태 &apos;%1&apos;의 모양이 %2입니다. %3이어야 합니다</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; has the wrong type (%2)</source>
        <translation>&apos;%1&apos; 필드의 형식이 맞지 않습니다 (%2)</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; must be an integer</source>
        <translation>&apos;%1&apos; 필드는 정수여야 합니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; must be an object</source>
        <translation>&apos;%1&apos;은(는) 객체여야 합니다</translation>
    </message>
    <message>
        <source>%1 must be positive</source>
        <translation>%1은(는) 0보다 커야 합니다</translation>
    </message>
    <message>
        <source>%1 must be positive, got %2</source>
        <translation>%1은(는) 0보다 커야 하는데 %2입니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; must hold integers</source>
        <translation>&apos;%1&apos;에는 정수만 와야 합니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; must be an integer or a list of integers</source>
        <translation>&apos;%1&apos;은(는) 정수나 정수 목록이어야 합니다</translation>
    </message>
    <message>
        <source>%1 type &apos;%2&apos; is not supported (supported: linear, llama3, longrope)</source>
        <translation>%1 형식 &apos;%2&apos;은(는) 지원하지 않습니다 (지원: linear, llama3, longrope)</translation>
    </message>
    <message>
        <source>%1 must be a list of numbers (longrope)</source>
        <translation>%1은(는) 숫자 목록이어야 합니다 (longrope)</translation>
    </message>
    <message>
        <source>%1 must hold positive numbers, found %2</source>
        <translation>%1에는 0보다 큰 숫자만 와야 하는데 %2이(가) 있습니다</translation>
    </message>
    <message>
        <source>%1.short_factor and long_factor differ in length (%2 and %3)</source>
        <translation>%1.short_factor와 long_factor의 길이가 다릅니다 (%2, %3)</translation>
    </message>
    <message>
        <source>%1.high_freq_factor must exceed low_freq_factor</source>
        <translation>%1.high_freq_factor는 low_freq_factor보다 커야 합니다</translation>
    </message>
    <message>
        <source>unknown model_type &apos;%1&apos;</source>
        <translation>알 수 없는 model_type &apos;%1&apos;입니다</translation>
    </message>
    <message>
        <source>model_type &apos;%1&apos; is not supported</source>
        <translation>model_type &apos;%1&apos;은(는) 지원하지 않습니다</translation>
    </message>
    <message>
        <source>model_type &apos;%1&apos; is not supported (supported: %2)</source>
        <translation>model_type &apos;%1&apos;은(는) 지원하지 않습니다 (지원: %2)</translation>
    </message>
    <message>
        <source>model_type &apos;gemma3&apos; is Gemma 3&apos;s vision-language model (Gemma3ForConditionalGeneration, 4B and up); Lathe reads the text-only model, model_type &apos;gemma3_text&apos; (Gemma 3 270M and 1B)</source>
        <translation>model_type &apos;gemma3&apos;은(는) Gemma 3의 비전-언어 모델(Gemma3ForConditionalGeneration, 4B 이상)입니다. Lathe는 텍스트 전용 모델 model_type &apos;gemma3_text&apos;(Gemma 3 270M, 1B)를 읽습니다</translation>
    </message>
    <message>
        <source>&apos;layer_types&apos; must list one entry per layer (%1)</source>
        <translation>&apos;layer_types&apos;에는 층마다 하나씩 항목이 있어야 합니다 (%1)</translation>
    </message>
    <message>
        <source>layer_types[%1] is %2, expected &quot;sliding_attention&quot; or &quot;full_attention&quot;</source>
        <translation>layer_types[%1]이(가) %2입니다. &quot;sliding_attention&quot;이나 &quot;full_attention&quot;이어야 합니다</translation>
    </message>
    <message>
        <source>num_key_value_heads (%1) must divide num_attention_heads (%2)</source>
        <translation>num_key_value_heads(%1)가 num_attention_heads(%2)를 나누어떨어지게 해야 합니다</translation>
    </message>
    <message>
        <source>head_dim must be a positive even number, got %1</source>
        <translation>head_dim은 0보다 큰 짝수여야 하는데 %1입니다</translation>
    </message>
    <message>
        <source>hidden_act &apos;%1&apos; is not supported (supported: silu, gelu_pytorch_tanh, gelu_new, gelu)</source>
        <translation>hidden_act &apos;%1&apos;은(는) 지원하지 않습니다 (지원: silu, gelu_pytorch_tanh, gelu_new, gelu)</translation>
    </message>
    <message>
        <source>logit soft-capping values must be positive</source>
        <translation>로짓 소프트 캡 값은 0보다 커야 합니다</translation>
    </message>
    <message>
        <source>sliding_layers must have one entry per layer</source>
        <translation>sliding_layers에는 층마다 하나씩 항목이 있어야 합니다</translation>
    </message>
    <message>
        <source>partial_rotary_factor must be in (0, 1], got %1</source>
        <translation>partial_rotary_factor는 (0, 1] 범위여야 하는데 %1입니다</translation>
    </message>
    <message>
        <source>head_dim x partial_rotary_factor must be even (RoPE turns pairs), got %1</source>
        <translation>head_dim x partial_rotary_factor는 짝수여야 하는데 (RoPE는 쌍을 회전합니다) %1입니다</translation>
    </message>
    <message>
        <source>rope_scaling.short_factor and long_factor need one entry per rotated pair (%1), found %2</source>
        <translation>rope_scaling.short_factor와 long_factor에는 회전하는 쌍마다 하나씩(%1개) 항목이 있어야 하는데 %2개입니다</translation>
    </message>
    <message>
        <source>num_experts_per_tok must be between 1 and num_experts (%1), got %2</source>
        <translation>num_experts_per_tok는 1과 num_experts(%1) 사이여야 하는데 %2입니다</translation>
    </message>
    <message>
        <source>shared_expert_intermediate_size must not be negative</source>
        <translation>shared_expert_intermediate_size는 음수일 수 없습니다</translation>
    </message>
    <message>
        <source>mlp_only_layers names layer %1, but the model has %2 layers</source>
        <translation>mlp_only_layers가 층 %1을(를) 적고 있지만 모델의 층은 %2개입니다</translation>
    </message>
    <message>
        <source>num_experts must be positive for model_type %1</source>
        <translation>model_type %1에는 num_experts가 0보다 커야 합니다</translation>
    </message>
    <message>
        <source>dataset &apos;%1&apos;: expected an object, found %2</source>
        <translation>데이터셋 &apos;%1&apos;: 객체여야 하는데 %2입니다</translation>
    </message>
    <message>
        <source>dataset &apos;%1&apos;: &apos;%2&apos; is %3, expected %4</source>
        <translation>데이터셋 &apos;%1&apos;: &apos;%2&apos;이(가) %3입니다. 필요한 것: %4</translation>
    </message>
    <message>
        <source>dataset &apos;%1&apos;: no &apos;file_name&apos; (the file or folder inside the dataset directory that holds the records)</source>
        <translation>데이터셋 &apos;%1&apos;: &apos;file_name&apos;(데이터셋 폴더 안에서 레코드를 담은 파일이나 폴더)이 없습니다</translation>
    </message>
    <message>
        <source>dataset &apos;%1&apos;: unknown formatting &apos;%2&apos;; expected &quot;alpaca&quot; or &quot;sharegpt&quot;</source>
        <translation>데이터셋 &apos;%1&apos;: 알 수 없는 formatting &apos;%2&apos;입니다. &quot;alpaca&quot;나 &quot;sharegpt&quot;여야 합니다</translation>
    </message>
    <message>
        <source>dataset &apos;%1&apos;: &apos;num_samples&apos; is %2, expected a positive whole number</source>
        <translation>데이터셋 &apos;%1&apos;: &apos;num_samples&apos;가 %2입니다. 0보다 큰 정수여야 합니다</translation>
    </message>
    <message>
        <source>stage %1 needs preference pairs, but dataset &apos;%2&apos; is not marked &quot;ranking&quot;: true</source>
        <translation>stage %1에는 선호 쌍이 필요한데, 데이터셋 &apos;%2&apos;에는 &quot;ranking&quot;: true 표시가 없습니다</translation>
    </message>
    <message>
        <source>dataset &apos;%1&apos; holds preference pairs (&quot;ranking&quot;: true); stage %2 needs a dataset without ranking (use it with rm or dpo)</source>
        <translation>데이터셋 &apos;%1&apos;은(는) 선호 쌍(&quot;ranking&quot;: true)을 담고 있습니다. stage %2에는 ranking이 없는 데이터셋이 필요합니다 (이 데이터셋은 rm이나 dpo에 쓰세요)</translation>
    </message>
    <message>
        <source>stage kto needs a &apos;kto_tag&apos; column, but dataset &apos;%1&apos; names none in &quot;columns&quot;</source>
        <translation>stage kto에는 &apos;kto_tag&apos; 열이 필요한데, 데이터셋 &apos;%1&apos;의 &quot;columns&quot;에 없습니다</translation>
    </message>
    <message>
        <source>%1; predictions need prompts with reference answers (an sft dataset)</source>
        <translation>%1. 예측에는 참조 답이 있는 프롬프트(sft 데이터셋)가 필요합니다</translation>
    </message>
    <message>
        <source>size &quot;%1&quot;: too large (expected a byte count or a number with a unit, e.g. 500MB, 1.5GB, 2GiB)</source>
        <translation>크기 &quot;%1&quot;: 너무 큽니다 (바이트 수나 단위가 붙은 숫자를 쓰세요. 예: 500MB, 1.5GB, 2GiB)</translation>
    </message>
    <message>
        <source>size &quot;%1&quot;: no number (expected a byte count or a number with a unit, e.g. 500MB, 1.5GB, 2GiB)</source>
        <translation>크기 &quot;%1&quot;: 숫자가 없습니다 (바이트 수나 단위가 붙은 숫자를 쓰세요. 예: 500MB, 1.5GB, 2GiB)</translation>
    </message>
    <message>
        <source>size &quot;%1&quot;: unknown unit &quot;%2&quot; (expected a byte count or a number with a unit, e.g. 500MB, 1.5GB, 2GiB)</source>
        <translation>크기 &quot;%1&quot;: 알 수 없는 단위 &quot;%2&quot;입니다 (바이트 수나 단위가 붙은 숫자를 쓰세요. 예: 500MB, 1.5GB, 2GiB)</translation>
    </message>
    <message>
        <source>the tokenizer has %1 tokens but the model&apos;s embedding has only %2 rows (config.json vocab_size); the tokenizer does not belong to this model</source>
        <translation>토크나이저의 토큰은 %1개인데 모델의 임베딩은 %2행(config.json vocab_size)뿐입니다. 이 모델의 토크나이저가 아닙니다</translation>
    </message>
    <message>
        <source>token &apos;%1&apos; has id %2</source>
        <translation>토큰 &apos;%1&apos;의 id가 %2입니다</translation>
    </message>
    <message>
        <source>merge &apos;%1&apos; is not &apos;a b&apos;</source>
        <translation>병합 &apos;%1&apos;이(가) &apos;a b&apos; 꼴이 아닙니다</translation>
    </message>
    <message>
        <source>llama.cpp would not recognise this tokenizer&apos;s pre-tokenizer (fingerprint %1 matches none of Llama 3, Qwen2/2.5/3, GPT-2, SmolLM, DeepSeek-V3/R1, DeepSeek-R1-Distill-Qwen); GGUF export needs one of those tokenizers, or export_format: hf</source>
        <translation>llama.cpp는 이 토크나이저의 사전 토크나이저를 알아보지 못합니다 (지문 %1이(가) Llama 3, Qwen2/2.5/3, GPT-2, SmolLM, DeepSeek-V3/R1, DeepSeek-R1-Distill-Qwen 어느 것과도 맞지 않습니다). GGUF 내보내기에는 이 가운데 하나의 토크나이저가 필요합니다. 아니면 export_format: hf를 쓰세요</translation>
    </message>
    <message>
        <source>tokenizer kind &apos;%1&apos; cannot be written to GGUF</source>
        <translation>토크나이저 종류 &apos;%1&apos;은(는) GGUF로 쓸 수 없습니다</translation>
    </message>
    <message>
        <source>GGUF export: %1; llama.cpp fixes this for %2 models, so the GGUF file would compute something else (export_format: hf writes the model as it is)</source>
        <translation>GGUF 내보내기: %1. llama.cpp는 %2 모델에서 이것을 고정하므로 GGUF 파일은 다른 값을 계산하게 됩니다 (export_format: hf는 모델을 그대로 씁니다)</translation>
    </message>
    <message>
        <source>layer %1 slides, but llama.cpp makes one layer in every %2 global (the last of each %2) and the others sliding</source>
        <translation>층 %1은(는) 슬라이딩 층인데, llama.cpp는 %2개마다 한 층(각 %2개 중 마지막)을 전역 층으로, 나머지를 슬라이딩 층으로 만듭니다</translation>
    </message>
    <message>
        <source>layer %1 is global, but llama.cpp makes one layer in every %2 global (the last of each %2) and the others sliding</source>
        <translation>층 %1은(는) 전역 층인데, llama.cpp는 %2개마다 한 층(각 %2개 중 마지막)을 전역 층으로, 나머지를 슬라이딩 층으로 만듭니다</translation>
    </message>
    <message>
        <source>this Gemma 2 model has no sliding window; llama.cpp gives Gemma 2 one of 4096 tokens</source>
        <translation>이 Gemma 2 모델에는 슬라이딩 윈도가 없습니다. llama.cpp는 Gemma 2에 4096 토큰짜리 윈도를 줍니다</translation>
    </message>
    <message>
        <source>this Gemma 2 model does not soft-cap its attention scores and logits; llama.cpp caps Gemma 2&apos;s at 50 and 30 when the file gives no value</source>
        <translation>이 Gemma 2 모델은 어텐션 점수와 로짓에 소프트 캡을 두지 않습니다. 파일에 값이 없으면 llama.cpp는 Gemma 2의 캡을 50과 30으로 둡니다</translation>
    </message>
    <message>
        <source>attn_logit_softcapping is set, and llama.cpp does not soft-cap Gemma 3&apos;s attention</source>
        <translation>attn_logit_softcapping이 설정되어 있는데, llama.cpp는 Gemma 3의 어텐션에 소프트 캡을 두지 않습니다</translation>
    </message>
    <message>
        <source>rope_local_base_freq is %1, and llama.cpp uses 10000 for Gemma 3&apos;s sliding layers</source>
        <translation>rope_local_base_freq가 %1인데, llama.cpp는 Gemma 3의 슬라이딩 층에 10000을 씁니다</translation>
    </message>
    <message>
        <source>GGUF export: %1; llama.cpp&apos;s %2 would compute something else (export_format: hf writes the model as it is)</source>
        <translation>GGUF 내보내기: %1. llama.cpp의 %2은(는) 다른 값을 계산하게 됩니다 (export_format: hf는 모델을 그대로 씁니다)</translation>
    </message>
    <message>
        <source>layer %1 is dense (mlp_only_layers / decoder_sparse_step), and llama.cpp makes every layer sparse</source>
        <translation>층 %1은(는) 밀집 층(mlp_only_layers / decoder_sparse_step)인데, llama.cpp는 모든 층을 희소 층으로 만듭니다</translation>
    </message>
    <message>
        <source>norm_topk_prob is %1, and llama.cpp renormalises the chosen experts&apos; weights for %2</source>
        <translation>norm_topk_prob가 %1인데, llama.cpp는 %2에서 고른 전문가의 가중치를 다시 정규화합니다</translation>
    </message>
    <message>
        <source>norm_topk_prob is %1, and llama.cpp does not renormalise the chosen experts&apos; weights for %2</source>
        <translation>norm_topk_prob가 %1인데, llama.cpp는 %2에서 고른 전문가의 가중치를 다시 정규화하지 않습니다</translation>
    </message>
    <message>
        <source>override &apos;%1&apos; is not of the form key=value</source>
        <translation>덮어쓰기 &apos;%1&apos;이(가) key=value 꼴이 아닙니다</translation>
    </message>
    <message>
        <source>unknown stage &apos;%1&apos;; expected one of pt, sft, rm, ppo, dpo, kto</source>
        <translation>알 수 없는 stage &apos;%1&apos;입니다. pt, sft, rm, ppo, dpo, kto 중 하나여야 합니다</translation>
    </message>
    <message>
        <source>unknown precision &apos;%1&apos; (expected fp32, fp16 or bf16)</source>
        <translation>알 수 없는 정밀도 &apos;%1&apos;입니다 (fp32, fp16, bf16 중 하나)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; does not use a reference model (expected sigmoid, hinge or ipo)</source>
        <translation>&apos;%1&apos;은(는) 참조 모델을 쓰지 않습니다 (sigmoid, hinge, ipo 중 하나여야 합니다)</translation>
    </message>
    <message>
        <source>%1 cannot hold the 256 bytes and %2 special tokens</source>
        <translation>%1(으)로는 256개 바이트와 특수 토큰 %2개를 담을 수 없습니다</translation>
    </message>
    <message>
        <source>unknown key &apos;%1&apos; (did you mean &apos;%2&apos;?)</source>
        <translation>알 수 없는 키 &apos;%1&apos;입니다 (&apos;%2&apos;을(를) 뜻했나요?)</translation>
    </message>
    <message>
        <source>expected %1, got &apos;%2&apos;</source>
        <translation>&apos;%2&apos;입니다. 필요한 것: %1</translation>
    </message>
    <message>
        <source>%1=%2: expected a whole number from %3 to %4</source>
        <translation>%1=%2: %3부터 %4까지의 정수여야 합니다</translation>
    </message>
    <message>
        <source>lost contact with the other ranks (one of them failed or was stopped, or did not answer within ddp_timeout): %1</source>
        <translation>다른 랭크와 연결이 끊겼습니다 (한 랭크가 실패했거나 멈췄거나, ddp_timeout 안에 답하지 않았습니다): %1</translation>
    </message>
    <message>
        <source>rank %1 could not reach the master at %2 within ddp_timeout (%3 s): nothing listens there (is rank 0 started, and the address right?)</source>
        <translation>랭크 %1이(가) ddp_timeout(%3초) 안에 %2의 마스터에 닿지 못했습니다: 그곳에서 기다리는 프로세스가 없습니다 (랭크 0을 시작했고 주소가 맞나요?)</translation>
    </message>
    <message>
        <source>rank 0 could not serve the rendezvous at %1: the port is in use (pick another with --master-port or MASTER_PORT)</source>
        <translation>랭크 0이 %1에서 랑데부를 열지 못했습니다: 포트가 사용 중입니다 (--master-port나 MASTER_PORT로 다른 포트를 고르세요)</translation>
    </message>
    <message>
        <source>rank 0 could not serve the rendezvous at %1: %2</source>
        <translation>랭크 0이 %1에서 랑데부를 열지 못했습니다: %2</translation>
    </message>
    <message>
        <source>rank %1 could not reach the master at %2 within ddp_timeout (%3 s): %4</source>
        <translation>랭크 %1이(가) ddp_timeout(%3초) 안에 %2의 마스터에 닿지 못했습니다: %4</translation>
    </message>
    <message>
        <source>rank %1: only %2 of %3 ranks met at %4 within ddp_timeout (%5 s) (the others did not start, or cannot reach it)</source>
        <translation>랭크 %1: ddp_timeout(%5초) 안에 %4에서 만난 랭크가 %3개 중 %2개뿐입니다 (나머지는 시작하지 않았거나 그곳에 닿지 못합니다)</translation>
    </message>
    <message>
        <source>rank %1 lost the master at %2 while waiting for the other ranks (it stopped or failed): %3</source>
        <translation>랭크 %1이(가) 다른 랭크를 기다리는 동안 %2의 마스터를 잃었습니다 (마스터가 멈췄거나 실패했습니다): %3</translation>
    </message>
    <message>
        <source>rank %1: the process group over %2 did not form: %3</source>
        <translation>랭크 %1: %2 위의 프로세스 그룹이 만들어지지 않았습니다: %3</translation>
    </message>
    <message>
        <source>true or false</source>
        <translation>true나 false</translation>
    </message>
    <message>
        <source>auto, true or false</source>
        <translation>auto, true, false 중 하나</translation>
    </message>
    <message>
        <source>an integer</source>
        <translation>정수</translation>
    </message>
    <message>
        <source>an integer that fits in 32 bits</source>
        <translation>32비트에 들어가는 정수</translation>
    </message>
    <message>
        <source>%1: expected %2, got &apos;%3&apos;</source>
        <translation>%1: &apos;%3&apos;입니다. 필요한 것: %2</translation>
    </message>
    <message>
        <source>%1 must be a string, {&quot;content&quot;: ...} or null, found %2</source>
        <translation>%1은(는) 문자열, {&quot;content&quot;: ...}, null 중 하나여야 하는데 %2입니다</translation>
    </message>
    <message>
        <source>%1 must be true or false, found %2</source>
        <translation>%1은(는) true나 false여야 하는데 %2입니다</translation>
    </message>
    <message>
        <source>chat_template entries must be {&quot;name&quot;: ..., &quot;template&quot;: ...}, found %1</source>
        <translation>chat_template 항목은 {&quot;name&quot;: ..., &quot;template&quot;: ...} 꼴이어야 하는데 %1입니다</translation>
    </message>
    <message>
        <source>chat_template must be a string or a list of {name, template}, found %1</source>
        <translation>chat_template은 문자열이나 {name, template} 목록이어야 하는데 %1입니다</translation>
    </message>
    <message>
        <source>not a tokenizer.json (no &quot;model&quot; object)</source>
        <translation>tokenizer.json이 아닙니다 (&quot;model&quot; 객체가 없습니다)</translation>
    </message>
    <message>
        <source>added_tokens must be a list, found %1</source>
        <translation>added_tokens는 목록이어야 하는데 %1입니다</translation>
    </message>
    <message>
        <source>%1 adds %2, but it is not set or not in the vocabulary</source>
        <translation>%1은(는) %2을(를) 붙이는데, 그 토큰이 설정되지 않았거나 어휘에 없습니다</translation>
    </message>
    <message>
        <source>cannot write the run logs (%1)</source>
        <translation>실행 기록을 쓸 수 없습니다 (%1)</translation>
    </message>
    <message>
        <source>cannot remove stale file of an earlier export (%1)</source>
        <translation>이전 내보내기의 오래된 파일을 지울 수 없습니다 (%1)</translation>
    </message>
    <message>
        <source>not a checkpoint curve (no &quot;points&quot; list)</source>
        <translation>체크포인트 곡선 파일이 아닙니다 (&quot;points&quot; 목록이 없습니다)</translation>
    </message>
    <message>
        <source>%1: no integer &quot;step&quot;</source>
        <translation>%1: 정수 &quot;step&quot;이 없습니다</translation>
    </message>
    <message>
        <source>%1.results: not an object</source>
        <translation>%1.results: 객체가 아닙니다</translation>
    </message>
    <message>
        <source>message %1: %2</source>
        <translation>메시지 %1: %2</translation>
    </message>
    <message>
        <source>&apos;%1&apos;: %2</source>
        <translation>&apos;%1&apos;: %2</translation>
    </message>
    <message>
        <source>model.type must be a string, found %1</source>
        <translation>model.type은(는) 문자열이어야 하는데 %1입니다</translation>
    </message>
    <message>
        <source>unsupported model type &quot;%1&quot;; Lathe reads BPE tokenizer.json files (for SentencePiece Unigram models, use tokenizer.model)</source>
        <translation>model 타입 &quot;%1&quot;은(는) 지원하지 않습니다. Lathe는 BPE tokenizer.json 파일을 읽습니다 (SentencePiece Unigram 모델은 tokenizer.model을 쓰세요)</translation>
    </message>
    <message>
        <source>%1: unsupported normalizer type &quot;%2&quot;</source>
        <translation>%1: normalizer 타입 &quot;%2&quot;은(는) 지원하지 않습니다</translation>
    </message>
    <message>
        <source>%1: unsupported pre_tokenizer type &quot;%2&quot;</source>
        <translation>%1: pre_tokenizer 타입 &quot;%2&quot;은(는) 지원하지 않습니다</translation>
    </message>
    <message>
        <source>%1: unknown split behavior &quot;%2&quot;</source>
        <translation>%1: 알 수 없는 split behavior &quot;%2&quot;입니다</translation>
    </message>
    <message>
        <source>%1: unsupported decoder type &quot;%2&quot;</source>
        <translation>%1: decoder 타입 &quot;%2&quot;은(는) 지원하지 않습니다</translation>
    </message>
    <message>
        <source>%1: unsupported post_processor type &quot;%2&quot;</source>
        <translation>%1: post_processor 타입 &quot;%2&quot;은(는) 지원하지 않습니다</translation>
    </message>
    <message>
        <source>%1: special token &quot;%2&quot; is missing from special_tokens</source>
        <translation>%1: 특수 토큰 &quot;%2&quot;이(가) special_tokens에 없습니다</translation>
    </message>
    <message>
        <source>%1: missing or not an object</source>
        <translation>%1: 없거나 객체가 아닙니다</translation>
    </message>
    <message>
        <source>%1: id of &quot;%2&quot; must be a non-negative integer, found %3</source>
        <translation>%1: &quot;%2&quot;의 id는 0 이상의 정수여야 하는데 %3입니다</translation>
    </message>
    <message>
        <source>%1: &quot;%2&quot; is not in the vocabulary</source>
        <translation>%1: &quot;%2&quot;이(가) 어휘에 없습니다</translation>
    </message>
    <message>
        <source>%1: expected an array</source>
        <translation>%1: 배열이어야 합니다</translation>
    </message>
    <message>
        <source>%1: expected &quot;left right&quot;, found &quot;%2&quot;</source>
        <translation>%1: &quot;left right&quot; 형식이어야 하는데 &quot;%2&quot;입니다</translation>
    </message>
    <message>
        <source>%1: expected a string or a pair of strings, found %2</source>
        <translation>%1: 문자열이나 문자열 두 개의 쌍이어야 하는데 %2입니다</translation>
    </message>
    <message>
        <source>%1: token &quot;%2&quot; is not in the vocabulary</source>
        <translation>%1: 토큰 &quot;%2&quot;이(가) 어휘에 없습니다</translation>
    </message>
    <message>
        <source>%1: id must be non-negative, found %2</source>
        <translation>%1: id는 0 이상이어야 하는데 %2입니다</translation>
    </message>
    <message>
        <source>dataset &apos;%1&apos; (%2): %3</source>
        <translation>데이터셋 &apos;%1&apos; (%2): %3</translation>
    </message>
    <message>
        <source>&quot;columns&quot; must name both &apos;chosen&apos; and &apos;rejected&apos; for a ranking dataset</source>
        <translation>ranking 데이터셋의 &quot;columns&quot;에는 &apos;chosen&apos;과 &apos;rejected&apos;가 모두 있어야 합니다</translation>
    </message>
    <message>
        <source>&quot;columns&quot; names no &apos;messages&apos; column</source>
        <translation>&quot;columns&quot;에 &apos;messages&apos; 열이 없습니다</translation>
    </message>
    <message>
        <source>&quot;tags&quot; must name &apos;role_tag&apos; and &apos;content_tag&apos;</source>
        <translation>&quot;tags&quot;에 &apos;role_tag&apos;와 &apos;content_tag&apos;가 있어야 합니다</translation>
    </message>
    <message>
        <source>&quot;columns&quot; names neither a &apos;prompt&apos; nor a &apos;query&apos; column</source>
        <translation>&quot;columns&quot;에 &apos;prompt&apos; 열도 &apos;query&apos; 열도 없습니다</translation>
    </message>
    <message>
        <source>&quot;columns&quot; names no &apos;response&apos; column, which stage %1 needs (is this a pre-training dataset?)</source>
        <translation>&quot;columns&quot;에 %1 단계에 필요한 &apos;response&apos; 열이 없습니다 (사전 학습용 데이터셋인가요?)</translation>
    </message>
    <message>
        <source>%1: expected a JSON %2, found %3</source>
        <translation>%1: JSON %2 값이어야 하는데 %3입니다</translation>
    </message>
    <message>
        <source>%1: no &quot;%2&quot; key</source>
        <translation>%1: &quot;%2&quot; 키가 없습니다</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>%1: invalid regex at offset %2: %3 (pattern %4)</source>
        <translation>%1: 정규식이 잘못되었습니다 (오프셋 %2: %3, 패턴 %4)</translation>
    </message>
    <message>
        <source>%1: pattern must be {&quot;String&quot;: ...} or {&quot;Regex&quot;: ...}, found %2</source>
        <translation>%1: pattern은 {&quot;String&quot;: ...} 또는 {&quot;Regex&quot;: ...} 형식이어야 하는데 %2입니다</translation>
    </message>
    <message>
        <source>not a valid SentencePiece model (%1)</source>
        <translation>올바른 SentencePiece 모델이 아닙니다 (%1)</translation>
    </message>
    <message>
        <source>invalid YAML: %1</source>
        <translation>YAML 형식이 잘못되었습니다: %1</translation>
    </message>
    <message>
        <source>expected a mapping of key: value lines</source>
        <translation>&quot;key: value&quot; 줄들로 된 매핑이어야 합니다</translation>
    </message>
    <message>
        <source>%1: expected a list of plain values</source>
        <translation>%1: 단순 값의 목록이어야 합니다</translation>
    </message>
    <message>
        <source>LLaMA-Factory&apos;s GPTQ export, which Lathe does not write; use export_format: gguf with export_quantization: q4_k_m or q8_0</source>
        <translation>LLaMA-Factory의 GPTQ 내보내기이며 Lathe는 이를 쓰지 않습니다. export_format: gguf와 export_quantization: q4_k_m 또는 q8_0을 쓰세요</translation>
    </message>
    <message>
        <source>%1 is LLaMA-Factory&apos;s GPTQ export, which Lathe does not write; use export_format: gguf with export_quantization: q4_k_m or q8_0</source>
        <translation>%1은(는) LLaMA-Factory의 GPTQ 내보내기이며 Lathe는 이를 쓰지 않습니다. export_format: gguf와 export_quantization: q4_k_m 또는 q8_0을 쓰세요</translation>
    </message>
    <message>
        <source>this build of Lathe has no process-group backend: install Gloo&apos;s headers (Debian: libgloo-dev) and build again</source>
        <translation>이 Lathe 빌드에는 프로세스 그룹 백엔드가 없습니다. Gloo 헤더(Debian: libgloo-dev)를 설치하고 다시 빌드하세요</translation>
    </message>
    <message>
        <source>cannot create a staging folder (%1)</source>
        <translation>임시 작업 폴더를 만들 수 없습니다 (%1)</translation>
    </message>
    <message>
        <source>cannot create the output folder</source>
        <translation>출력 폴더를 만들 수 없습니다</translation>
    </message>
    <message>
        <source>cannot link training input (%1)</source>
        <translation>학습 입력을 연결할 수 없습니다 (%1)</translation>
    </message>
    <message>
        <source>only SentencePiece BPE models convert to tokenizer.json (model type %1)</source>
        <translation>SentencePiece BPE 모델만 tokenizer.json으로 변환됩니다 (모델 유형 %1)</translation>
    </message>
    <message>
        <source>SentencePiece normalizer &quot;%1&quot; (or whitespace folding) has no exact tokenizer.json equivalent; train with normalization_rule_name=identity and remove_extra_whitespaces=false</source>
        <translation>SentencePiece 정규화 &quot;%1&quot;(또는 공백 합치기)은 tokenizer.json에 정확히 대응하는 것이 없습니다. normalization_rule_name=identity와 remove_extra_whitespaces=false로 학습하세요</translation>
    </message>
    <message>
        <source>GGUF export: tensor &apos;%1&apos; has no llama.cpp name for architecture %2</source>
        <translation>GGUF 내보내기: 텐서 &apos;%1&apos;에는 아키텍처 %2에 맞는 llama.cpp 이름이 없습니다</translation>
    </message>
    <message>
        <source>GGUF export: no recipe for generated tensor &apos;%1&apos;</source>
        <translation>GGUF 내보내기: 생성할 텐서 &apos;%1&apos;을(를) 만드는 방법이 없습니다</translation>
    </message>
    <message>
        <source>model has no module &apos;%1&apos;</source>
        <translation>모델에 &apos;%1&apos; 모듈이 없습니다</translation>
    </message>
    <message>
        <source>tensor %1: dtype %2 cannot be stored in safetensors (Lathe writes %3)</source>
        <translation>텐서 %1: dtype %2은(는) safetensors에 저장할 수 없습니다 (Lathe가 쓰는 형식: %3)</translation>
    </message>
    <message>
        <source>SentencePiece module lacks %1 (stale build? rebuild lathe_spm)</source>
        <translation>SentencePiece 모듈에 %1이(가) 없습니다 (오래된 빌드인가요? lathe_spm을 다시 빌드하세요)</translation>
    </message>
    <message>
        <source>SentencePiece module speaks ABI %1, Lathe expects %2 (rebuild lathe_spm)</source>
        <translation>SentencePiece 모듈의 ABI는 %1이고 Lathe는 %2를 기대합니다 (lathe_spm을 다시 빌드하세요)</translation>
    </message>
    <message>
        <source>cannot load the SentencePiece module: %1</source>
        <translation>SentencePiece 모듈을 불러올 수 없습니다: %1</translation>
    </message>
    <message>
        <source>SentencePiece module (%1) not found; needed for tokenizer.model files. Searched: %2. Build the lathe_spm target or set LATHE_SPM_MODULE to its path.</source>
        <translation>SentencePiece 모듈(%1)을 찾을 수 없습니다. tokenizer.model 파일에 필요합니다. 찾아본 곳: %2. lathe_spm 타깃을 빌드하거나 LATHE_SPM_MODULE에 그 경로를 지정하세요.</translation>
    </message>
    <message>
        <source>ICU normalizer unavailable: %1</source>
        <translation>ICU 정규화기를 쓸 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Unicode normalization failed: %1</source>
        <translation>유니코드 정규화에 실패했습니다: %1</translation>
    </message>
    <message>
        <source>unknown GGUF tensor type &apos;%1&apos; (expected one of %2)</source>
        <translation>알 수 없는 GGUF 텐서 형식 &apos;%1&apos; (가능한 값: %2)</translation>
    </message>
    <message>
        <source>NF4 block size must be a power of two between 16 and 4096, got %1</source>
        <translation>NF4 블록 크기는 16에서 4096 사이의 2의 거듭제곱이어야 합니다. 받은 값: %1</translation>
    </message>
    <message>
        <source>stage kto needs a reference model</source>
        <translation>kto 단계에는 참조 모델이 필요합니다</translation>
    </message>
    <message>
        <source>must be positive, got %1</source>
        <translation>양수여야 합니다. 받은 값: %1</translation>
    </message>
    <message>
        <source>SentencePiece encode failed: %1</source>
        <translation>SentencePiece 인코딩에 실패했습니다: %1</translation>
    </message>
    <message>
        <source>SentencePiece decode failed: %1</source>
        <translation>SentencePiece 디코딩에 실패했습니다: %1</translation>
    </message>
    <message>
        <source>text given to the regex is not valid UTF-8</source>
        <translation>정규식에 준 텍스트가 올바른 UTF-8이 아닙니다</translation>
    </message>
    <message>
        <source>regex match failed: %1</source>
        <translation>정규식 일치 검사에 실패했습니다: %1</translation>
    </message>
</context>
<context>
    <name>lathe::ui::ChatTab</name>
    <message>
        <source>Loaded: %1</source>
        <translation>불러옴: %1</translation>
    </message>
    <message>
        <source>Loaded: %1 · fine-tuned: %2</source>
        <translation>불러옴: %1 · 미세 조정: %2</translation>
    </message>
    <message>
        <source>Not loaded</source>
        <translation>불러오지 않음</translation>
    </message>
    <message>
        <source>The model bar shows another model: press Load to switch to it</source>
        <translation>모델 막대에 다른 모델이 선택되어 있습니다. 바꾸려면 불러오기를 누르세요</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>불러오기</translation>
    </message>
    <message>
        <source>Load the model bar&apos;s model and its checkpoint</source>
        <translation>모델 막대의 모델과 체크포인트를 불러옵니다</translation>
    </message>
    <message>
        <source>Unload</source>
        <translation>내리기</translation>
    </message>
    <message>
        <source>Free the model&apos;s memory</source>
        <translation>모델이 쓰는 메모리를 해제합니다</translation>
    </message>
    <message>
        <source>Weights</source>
        <translation>가중치</translation>
    </message>
    <message>
        <source>Auto (as saved)</source>
        <translation>자동 (저장된 형식)</translation>
    </message>
    <message>
        <source>float32</source>
        <translation>float32</translation>
    </message>
    <message>
        <source>bfloat16</source>
        <translation>bfloat16</translation>
    </message>
    <message>
        <source>int8</source>
        <translation>int8</translation>
    </message>
    <message>
        <source>How the model&apos;s weights are held while chatting. Decoding reads every weight once per token, so fewer bytes answer faster: bfloat16 reads half the bytes of float32, int8 (Q8_0) about a quarter, with answers close to float32&apos;s. Auto keeps the checkpoint&apos;s own type. Applies at the next Load.</source>
        <translation>대화하는 동안 모델 가중치를 어떤 형식으로 둘지 정합니다. 디코딩은 토큰마다 모든 가중치를 한 번씩 읽으므로 바이트가 적을수록 답이 빨라집니다. bfloat16은 float32의 절반, int8(Q8_0)은 약 4분의 1을 읽으며, 답은 float32와 거의 같습니다. 자동은 체크포인트의 형식을 그대로 씁니다. 다음 불러오기부터 적용됩니다.</translation>
    </message>
    <message>
        <source>Compare with base model</source>
        <translation>기본 모델과 비교</translation>
    </message>
    <message>
        <source>Answer each message twice, by the base model and by the fine-tuned checkpoint, to see what training changed</source>
        <translation>메시지마다 기본 모델과 미세 조정한 체크포인트가 각각 답하여, 학습으로 무엇이 바뀌었는지 보여 줍니다</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>시스템 프롬프트</translation>
    </message>
    <message>
        <source>Optional instructions for the assistant (empty: the template&apos;s default)</source>
        <translation>어시스턴트에게 주는 지시(선택, 비우면 템플릿 기본값)</translation>
    </message>
    <message>
        <source>&lt;b&gt;Base model&lt;/b&gt;</source>
        <translation>&lt;b&gt;기본 모델&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Fine-tuned&lt;/b&gt;</source>
        <translation>&lt;b&gt;미세 조정 모델&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Conversation&lt;/b&gt;</source>
        <translation>&lt;b&gt;대화&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Type a message; Ctrl+Return sends</source>
        <translation>메시지를 입력하세요. Ctrl+Enter로 보냅니다</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>보내기</translation>
    </message>
    <message>
        <source>Send (Ctrl+Return)</source>
        <translation>보내기 (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>중지</translation>
    </message>
    <message>
        <source>Stop generating (Esc)</source>
        <translation>생성 중지 (Esc)</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>지우기</translation>
    </message>
    <message>
        <source>Forget the conversation</source>
        <translation>대화 내용을 지웁니다</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>샘플링</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>온도</translation>
    </message>
    <message>
        <source>Randomness of the answer (0 = always the most likely token)</source>
        <translation>답의 무작위성 (0 = 항상 가장 가능성 높은 토큰)</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Sample only from the most likely tokens that together reach this probability</source>
        <translation>확률 합이 이 값에 이를 때까지의 상위 토큰에서만 고릅니다</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Sample only from the k most likely tokens (0 = off)</source>
        <translation>가능성 높은 k개 토큰에서만 고릅니다 (0 = 끔)</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>최대 생성 토큰</translation>
    </message>
    <message>
        <source>The longest answer, in tokens</source>
        <translation>답의 최대 길이(토큰)</translation>
    </message>
    <message>
        <source>Repetition penalty</source>
        <translation>반복 패널티</translation>
    </message>
    <message>
        <source>Above 1 discourages repeating tokens already in the conversation</source>
        <translation>1보다 크면 대화에 이미 나온 토큰의 반복을 억제합니다</translation>
    </message>
    <message>
        <source>Choose a model folder in the model bar first (or train the starter model in Train)</source>
        <translation>먼저 모델 막대에서 모델 폴더를 고르세요 (또는 학습 탭에서 스타터 모델을 학습하세요)</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>%1 불러오는 중…</translation>
    </message>
    <message>
        <source>You</source>
        <translation>나</translation>
    </message>
    <message>
        <source>Base model</source>
        <translation>기본 모델</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>어시스턴트</translation>
    </message>
    <message>
        <source>Fine-tuned</source>
        <translation>미세 조정 모델</translation>
    </message>
    <message>
        <source>stopped at the token limit</source>
        <translation>토큰 한도에서 멈춤</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>중지됨</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>실패</translation>
    </message>
    <message>
        <source>%1 tokens · %2 tokens/s</source>
        <translation>%1 토큰 · 초당 %2 토큰</translation>
    </message>
    <message>
        <source>Think before answering</source>
        <translation>답하기 전에 생각하기</translation>
    </message>
    <message>
        <source>For reasoning models (templates deepseekr1, qwen3): off, the answer starts at once, with an empty thought. The thought is shown above the answer, greyed.</source>
        <translation>추론 모델용(템플릿 deepseekr1, qwen3): 끄면 빈 생각으로 바로 답을 시작합니다. 생각은 답 위에 회색으로 표시됩니다.</translation>
    </message>
    <message>
        <source>Thinking…</source>
        <translation>생각하는 중…</translation>
    </message>
    <message>
        <source>Thought</source>
        <translation>생각</translation>
    </message>
</context>
<context>
    <name>lathe::ui::CheckpointCurvePanel</name>
    <message>
        <source>BLEU-4</source>
        <translation>BLEU-4</translation>
    </message>
    <message>
        <source>ROUGE-1</source>
        <translation>ROUGE-1</translation>
    </message>
    <message>
        <source>ROUGE-2</source>
        <translation>ROUGE-2</translation>
    </message>
    <message>
        <source>ROUGE-L</source>
        <translation>ROUGE-L</translation>
    </message>
    <message>
        <source>Exact match</source>
        <translation>완전 일치</translation>
    </message>
    <message>
        <source>F1</source>
        <translation>F1</translation>
    </message>
    <message>
        <source>Reward</source>
        <translation>보상</translation>
    </message>
    <message>
        <source>final</source>
        <translation>최종</translation>
    </message>
    <message>
        <source>Best %1: %2 at step %3 (%4)</source>
        <translation>최고 %1: 스텝 %3에서 %2 (%4)</translation>
    </message>
    <message>
        <source>final weights</source>
        <translation>최종 가중치</translation>
    </message>
    <message>
        <source>No checkpoint evaluated yet.</source>
        <translation>아직 평가한 체크포인트가 없습니다.</translation>
    </message>
    <message>
        <source>No point has %1.</source>
        <translation>%1 값이 있는 지점이 없습니다.</translation>
    </message>
    <message>
        <source>Evaluate every checkpoint</source>
        <translation>모든 체크포인트 평가</translation>
    </message>
    <message>
        <source>Predict the chosen datasets with each checkpoint of the run, with the settings on the left (A/B and the output folder do not apply). Points already in the run&apos;s checkpoint_curve.json with the same settings are kept.</source>
        <translation>선택한 데이터셋을 실행의 체크포인트마다 왼쪽 설정으로 예측합니다(A/B와 출력 폴더는 적용되지 않습니다). 같은 설정으로 실행 폴더의 checkpoint_curve.json에 이미 있는 지점은 그대로 둡니다.</translation>
    </message>
    <message>
        <source>&amp;Metric:</source>
        <translation>지표(&amp;M):</translation>
    </message>
    <message>
        <source>Use best</source>
        <translation>최고 사용</translation>
    </message>
    <message>
        <source>Put the best checkpoint for this metric in the model bar (or double-click a row)</source>
        <translation>이 지표에서 가장 좋은 체크포인트를 모델 바에 넣습니다(행을 두 번 클릭해도 됩니다)</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>스텝</translation>
    </message>
    <message>
        <source>Checkpoint</source>
        <translation>체크포인트</translation>
    </message>
    <message>
        <source>step</source>
        <translation>스텝</translation>
    </message>
    <message>
        <source>Choose a run&apos;s checkpoint in the model bar to evaluate its checkpoints.</source>
        <translation>체크포인트를 평가하려면 모델 바에서 실행의 체크포인트를 고르세요.</translation>
    </message>
    <message>
        <source>%1 has no checkpoints (train with save_steps to keep them).</source>
        <translation>%1에는 체크포인트가 없습니다(save_steps로 학습하면 남습니다).</translation>
    </message>
    <message numerus="yes">
        <source>%1 · %n checkpoint(s)</source>
        <translation>
            <numerusform>%1 · 체크포인트 %n개</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>lathe::ui::CommandPreview</name>
    <message>
        <source>YAML files (*.yaml *.yml)</source>
        <translation>YAML 파일 (*.yaml *.yml)</translation>
    </message>
    <message>
        <source>Save config</source>
        <translation>설정 저장</translation>
    </message>
    <message>
        <source>Load config</source>
        <translation>설정 불러오기</translation>
    </message>
    <message>
        <source>Command preview</source>
        <translation>명령 미리보기</translation>
    </message>
    <message>
        <source>Copy command and YAML</source>
        <translation>명령과 YAML 복사</translation>
    </message>
    <message>
        <source>Save YAML…</source>
        <translation>YAML 저장…</translation>
    </message>
</context>
<context>
    <name>lathe::ui::DataTab</name>
    <message>
        <source>BPE (SentencePiece)</source>
        <translation>BPE (SentencePiece)</translation>
    </message>
    <message>
        <source>Unigram (SentencePiece)</source>
        <translation>Unigram (SentencePiece)</translation>
    </message>
    <message>
        <source>Byte-level BPE (as GPT-2, Llama 3, Qwen)</source>
        <translation>바이트 수준 BPE (GPT-2, Llama 3, Qwen 방식)</translation>
    </message>
    <message>
        <source>The first records each step removed or changed, and the first kept. Every removed record is in %1.</source>
        <translation>각 단계가 처음 제거하거나 수정한 레코드와 처음 남긴 레코드입니다. 제거된 레코드는 모두 %1에 있습니다.</translation>
    </message>
    <message>
        <source>Cannot open %1</source>
        <translation>%1을(를) 열 수 없습니다</translation>
    </message>
    <message>
        <source>Show every removed record</source>
        <translation>제거된 레코드 모두 보기</translation>
    </message>
    <message>
        <source>Column map</source>
        <translation>열 매핑</translation>
    </message>
    <message>
        <source>target=source, e.g. instruction=question,output=answer</source>
        <translation>대상=원본, 예: instruction=question,output=answer</translation>
    </message>
    <message>
        <source>Registered datasets</source>
        <translation>등록된 데이터셋</translation>
    </message>
    <message>
        <source>names in the dataset folder&apos;s dataset_info.json</source>
        <translation>데이터셋 폴더의 dataset_info.json에 있는 이름</translation>
    </message>
    <message>
        <source>Dataset folder</source>
        <translation>데이터셋 폴더</translation>
    </message>
    <message>
        <source>A tokenizer or model folder</source>
        <translation>토크나이저 또는 모델 폴더</translation>
    </message>
    <message>
        <source>tokens per held-out record (%1)</source>
        <translation>따로 떼어 둔 레코드의 토큰 수 (%1)</translation>
    </message>
    <message>
        <source>(trained here)</source>
        <translation>(여기서 학습)</translation>
    </message>
    <message>
        <source>%1 tokens</source>
        <translation>토큰 %1개</translation>
    </message>
    <message>
        <source>Tokenizer lab</source>
        <translation>토크나이저 실험실</translation>
    </message>
    <message>
        <source>Train a tokenizer on the kept records</source>
        <translation>남긴 레코드로 토크나이저 학습</translation>
    </message>
    <message>
        <source>Algorithm</source>
        <translation>알고리즘</translation>
    </message>
    <message>
        <source>Vocabulary size</source>
        <translation>어휘 크기</translation>
    </message>
    <message>
        <source>Character coverage</source>
        <translation>문자 커버리지</translation>
    </message>
    <message>
        <source>Byte fallback (no unknown characters)</source>
        <translation>바이트 폴백 (알 수 없는 문자 없음)</translation>
    </message>
    <message>
        <source>Special tokens</source>
        <translation>특수 토큰</translation>
    </message>
    <message>
        <source>comma-separated, e.g. &lt;|tool|&gt;</source>
        <translation>쉼표로 구분, 예: &lt;|tool|&gt;</translation>
    </message>
    <message>
        <source>Compare with</source>
        <translation>비교 대상</translation>
    </message>
    <message>
        <source>tokenizer or model folders, comma-separated</source>
        <translation>토크나이저 또는 모델 폴더, 쉼표로 구분</translation>
    </message>
    <message>
        <source>Sample sentence</source>
        <translation>예시 문장</translation>
    </message>
    <message>
        <source>Every 20th kept record is held out to measure each tokenizer. The trained one is written to the output folder&apos;s tokenizer/; a new model from scratch can use it (Train tab, Tokenizer folder).</source>
        <translation>남긴 레코드 20개마다 하나를 떼어 두고 각 토크나이저를 측정합니다. 학습한 토크나이저는 출력 폴더의 tokenizer/에 저장되며, 새 모델을 처음부터 만들 때 쓸 수 있습니다 (학습 탭, 토크나이저 폴더).</translation>
    </message>
    <message>
        <source>Tokenizer</source>
        <translation>토크나이저</translation>
    </message>
    <message>
        <source>Vocabulary</source>
        <translation>어휘</translation>
    </message>
    <message>
        <source>Tokens/word</source>
        <translation>토큰/단어</translation>
    </message>
    <message>
        <source>Tokens/char</source>
        <translation>토큰/글자</translation>
    </message>
    <message>
        <source>Byte fallback</source>
        <translation>바이트 폴백</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>알 수 없음</translation>
    </message>
    <message>
        <source>Tokenizers</source>
        <translation>토크나이저</translation>
    </message>
    <message>
        <source>Read (unreadable records)</source>
        <translation>읽기 (읽을 수 없는 레코드)</translation>
    </message>
    <message>
        <source>Unicode normalisation</source>
        <translation>유니코드 정규화</translation>
    </message>
    <message>
        <source>Whitespace and control characters</source>
        <translation>공백과 제어 문자</translation>
    </message>
    <message>
        <source>Personal data</source>
        <translation>개인정보</translation>
    </message>
    <message>
        <source>Length bounds</source>
        <translation>길이 제한</translation>
    </message>
    <message>
        <source>Quality filters</source>
        <translation>품질 필터</translation>
    </message>
    <message>
        <source>Language / script</source>
        <translation>언어 / 문자 체계</translation>
    </message>
    <message>
        <source>Duplicates</source>
        <translation>중복</translation>
    </message>
    <message>
        <source>E-mail addresses</source>
        <translation>이메일 주소</translation>
    </message>
    <message>
        <source>Phone numbers</source>
        <translation>전화번호</translation>
    </message>
    <message>
        <source>Resident registration numbers</source>
        <translation>주민등록번호</translation>
    </message>
    <message>
        <source>Card numbers</source>
        <translation>카드 번호</translation>
    </message>
    <message>
        <source>IP addresses</source>
        <translation>IP 주소</translation>
    </message>
    <message>
        <source>URLs</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Add corpus files</source>
        <translation>말뭉치 파일 추가</translation>
    </message>
    <message>
        <source>Add a folder of documents</source>
        <translation>문서 폴더 추가</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>출력 폴더</translation>
    </message>
    <message>
        <source>Running…</source>
        <translation>실행 중…</translation>
    </message>
    <message>
        <source>Save data settings</source>
        <translation>데이터 설정 저장</translation>
    </message>
    <message>
        <source>Load data settings</source>
        <translation>데이터 설정 불러오기</translation>
    </message>
    <message>
        <source>Stopped: the output folder is as it was.</source>
        <translation>중지됨: 출력 폴더는 그대로입니다.</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>실패: %1</translation>
    </message>
    <message>
        <source>%1 records in, %2 out in %3 s. Dataset &apos;%4&apos; written to %5 and registered in its dataset_info.json.</source>
        <translation>레코드 %1개 입력, %2개 출력 (%3초). 데이터셋 &apos;%4&apos;을(를) %5에 쓰고 같은 폴더의 dataset_info.json에 등록했습니다.</translation>
    </message>
    <message>
        <source>characters per kept record</source>
        <translation>남긴 레코드의 글자 수</translation>
    </message>
    <message>
        <source>%1 records · kept %2</source>
        <translation>레코드 %1개 · 남김 %2</translation>
    </message>
    <message>
        <source>removed</source>
        <translation>제거</translation>
    </message>
    <message>
        <source>changed</source>
        <translation>수정</translation>
    </message>
    <message>
        <source>kept</source>
        <translation>남김</translation>
    </message>
    <message>
        <source>Kept</source>
        <translation>남김</translation>
    </message>
    <message>
        <source>Removed</source>
        <translation>제거</translation>
    </message>
    <message>
        <source>similarity %1</source>
        <translation>유사도 %1</translation>
    </message>
    <message>
        <source>… and %1 more</source>
        <translation>… 외 %1개</translation>
    </message>
    <message>
        <source>Corpus</source>
        <translation>말뭉치</translation>
    </message>
    <message>
        <source>Files or folders</source>
        <translation>파일 또는 폴더</translation>
    </message>
    <message>
        <source>comma-separated; a folder&apos;s files are one document each</source>
        <translation>쉼표로 구분; 폴더 안의 파일은 각각 문서 하나</translation>
    </message>
    <message>
        <source>Add files…</source>
        <translation>파일 추가…</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>폴더 추가…</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>형식</translation>
    </message>
    <message>
        <source>Text column</source>
        <translation>텍스트 열</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>찾아보기…</translation>
    </message>
    <message>
        <source>Dataset name</source>
        <translation>데이터셋 이름</translation>
    </message>
    <message>
        <source>Write as</source>
        <translation>저장 형식</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>단계</translation>
    </message>
    <message>
        <source>Tick the steps to run; drag them to change the order.</source>
        <translation>실행할 단계를 선택하고, 끌어서 순서를 바꾸세요.</translation>
    </message>
    <message>
        <source>Step settings</source>
        <translation>단계 설정</translation>
    </message>
    <message>
        <source>Normal form</source>
        <translation>정규화 형식</translation>
    </message>
    <message>
        <source>mask with placeholders</source>
        <translation>자리표시자로 가리기</translation>
    </message>
    <message>
        <source>drop the record</source>
        <translation>레코드 제거</translation>
    </message>
    <message>
        <source>Minimum characters</source>
        <translation>최소 글자 수</translation>
    </message>
    <message>
        <source>Maximum characters (0: none)</source>
        <translation>최대 글자 수 (0: 제한 없음)</translation>
    </message>
    <message>
        <source>Keep script</source>
        <translation>남길 문자 체계</translation>
    </message>
    <message>
        <source>Hangul</source>
        <translation>한글</translation>
    </message>
    <message>
        <source>Latin</source>
        <translation>라틴 문자</translation>
    </message>
    <message>
        <source>CJK (Han, kana)</source>
        <translation>CJK (한자, 가나)</translation>
    </message>
    <message>
        <source>Minimum share of letters</source>
        <translation>글자 중 최소 비율</translation>
    </message>
    <message>
        <source>exact (after normalising)</source>
        <translation>완전 일치 (정규화 후)</translation>
    </message>
    <message>
        <source>near (MinHash)</source>
        <translation>유사 중복 (MinHash)</translation>
    </message>
    <message>
        <source>Similarity threshold</source>
        <translation>유사도 기준</translation>
    </message>
    <message>
        <source>Permutations</source>
        <translation>순열 수</translation>
    </message>
    <message>
        <source>Shingle size (words)</source>
        <translation>싱글 크기 (단어)</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>실행</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>중지</translation>
    </message>
    <message>
        <source>Save settings…</source>
        <translation>설정 저장…</translation>
    </message>
    <message>
        <source>Load settings…</source>
        <translation>설정 불러오기…</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>단계</translation>
    </message>
    <message>
        <source>Changed</source>
        <translation>수정</translation>
    </message>
    <message>
        <source>MB/s</source>
        <translation>MB/s</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>Found</source>
        <translation>발견</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>레코드</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>출처</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>텍스트</translation>
    </message>
    <message>
        <source>Each group keeps its first record. Pick a group to see it.</source>
        <translation>각 그룹은 첫 레코드를 남깁니다. 그룹을 고르면 내용이 보입니다.</translation>
    </message>
    <message>
        <source>Lengths</source>
        <translation>길이</translation>
    </message>
    <message>
        <source>Duplicate groups</source>
        <translation>중복 그룹</translation>
    </message>
    <message>
        <source>Removed and kept</source>
        <translation>제거와 남김</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>로그</translation>
    </message>
    <message>
        <source>duplicate of %1</source>
        <translation>%1와(과) 중복</translation>
    </message>
    <message>
        <source>empty after cleaning</source>
        <translation>정리 후 비어 있음</translation>
    </message>
    <message>
        <source>shorter than the minimum length</source>
        <translation>최소 길이보다 짧음</translation>
    </message>
    <message>
        <source>longer than the maximum length</source>
        <translation>최대 길이보다 긺</translation>
    </message>
    <message>
        <source>too little text in the chosen script</source>
        <translation>선택한 문자 체계의 글자가 너무 적음</translation>
    </message>
    <message>
        <source>no letters</source>
        <translation>글자가 없음</translation>
    </message>
    <message>
        <source>too few words with letters</source>
        <translation>글자를 포함한 단어가 너무 적음</translation>
    </message>
    <message>
        <source>unusual word length</source>
        <translation>단어 길이가 비정상적임</translation>
    </message>
    <message>
        <source>too many symbols</source>
        <translation>기호가 너무 많음</translation>
    </message>
    <message>
        <source>too many digits</source>
        <translation>숫자가 너무 많음</translation>
    </message>
    <message>
        <source>mostly bullet lines</source>
        <translation>대부분 글머리표 줄</translation>
    </message>
    <message>
        <source>too many lines ending in an ellipsis</source>
        <translation>말줄임표로 끝나는 줄이 너무 많음</translation>
    </message>
    <message>
        <source>repeated lines</source>
        <translation>반복된 줄</translation>
    </message>
    <message>
        <source>one phrase repeated too often</source>
        <translation>한 구절이 너무 자주 반복됨</translation>
    </message>
    <message>
        <source>repeated passages</source>
        <translation>반복된 구절</translation>
    </message>
    <message>
        <source>placeholder text (lorem ipsum)</source>
        <translation>자리 표시 텍스트(lorem ipsum)</translation>
    </message>
</context>
<context>
    <name>lathe::ui::DatasetChecklist</name>
    <message>
        <source>Order: %1</source>
        <translation>순서: %1</translation>
    </message>
    <message>
        <source>%1 (not available for this stage or folder)</source>
        <translation>%1 (이 단계나 폴더에서는 쓸 수 없음)</translation>
    </message>
    <message>
        <source>No dataset in this folder fits the stage.</source>
        <translation>이 폴더에는 이 단계에 맞는 데이터셋이 없습니다.</translation>
    </message>
</context>
<context>
    <name>lathe::ui::DatasetPreviewDialog</name>
    <message>
        <source>Dataset preview</source>
        <translation>데이터셋 미리보기</translation>
    </message>
    <message>
        <source>Reading the datasets and the tokenizer…</source>
        <translation>데이터셋과 토크나이저를 읽는 중…</translation>
    </message>
    <message>
        <source>Previous</source>
        <translation>이전</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>다음</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;background:#d4f5dc;color:#0b5a22&apos;&gt;&amp;nbsp;trained tokens&amp;nbsp;&lt;/span&gt; &lt;span style=&apos;background:#f2f2f2;color:#555&apos;&gt;&amp;nbsp;prompt (not trained)&amp;nbsp;&lt;/span&gt; — shades alternate at token boundaries</source>
        <translation>&lt;span style=&apos;background:#d4f5dc;color:#0b5a22&apos;&gt;&amp;nbsp;학습하는 토큰&amp;nbsp;&lt;/span&gt; &lt;span style=&apos;background:#f2f2f2;color:#555&apos;&gt;&amp;nbsp;프롬프트(학습 안 함)&amp;nbsp;&lt;/span&gt; — 토큰 경계마다 음영이 바뀝니다</translation>
    </message>
    <message>
        <source>Cannot preview: %1</source>
        <translation>미리 볼 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Template: %1 · %2 records
%3</source>
        <translation>템플릿: %1 · 레코드 %2개
%3</translation>
    </message>
    <message>
        <source>Record %1 (%2) cannot be encoded: %3</source>
        <translation>레코드 %1 (%2)을(를) 인코딩할 수 없습니다: %3</translation>
    </message>
    <message>
        <source>Rejected answer</source>
        <translation>거부된 답</translation>
    </message>
    <message>
        <source>Record %1 of %2 · %3 · %4 tokens, %5 trained%6</source>
        <translation>레코드 %1/%2 · %3 · 토큰 %4개, 학습 %5개%6</translation>
    </message>
    <message>
        <source> · truncated to the cutoff length</source>
        <translation> · 최대 길이로 잘림</translation>
    </message>
    <message>
        <source>Record %1 of %2 · %3 · token counts appear once the new model&apos;s tokenizer exists (it is trained at Start)</source>
        <translation>레코드 %1/%2 · %3 · 토큰 수는 새 모델의 토크나이저가 생긴 뒤에 표시됩니다 (시작할 때 학습됨)</translation>
    </message>
</context>
<context>
    <name>lathe::ui::EvaluateForm</name>
    <message>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>데이터</translation>
    </message>
    <message>
        <source>Dataset folder</source>
        <translation>데이터셋 폴더</translation>
    </message>
    <message>
        <source>The folder with dataset_info.json (dataset_dir)</source>
        <translation>dataset_info.json이 있는 폴더 (dataset_dir)</translation>
    </message>
    <message>
        <source>Datasets</source>
        <translation>데이터셋</translation>
    </message>
    <message>
        <source>Supervised (sft) datasets whose answers are the labels the predictions are scored against (eval_dataset); several are predicted one after the other</source>
        <translation>지도 학습(sft) 데이터셋입니다. 그 답변이 예측을 채점하는 정답(레이블)이 됩니다 (eval_dataset). 여러 개를 고르면 차례로 예측합니다</translation>
    </message>
    <message>
        <source>Max samples</source>
        <translation>최대 샘플</translation>
    </message>
    <message>
        <source>all</source>
        <translation>전체</translation>
    </message>
    <message>
        <source>The first this many records of each dataset (max_samples; 0 = all)</source>
        <translation>데이터셋마다 앞에서부터 이만큼의 레코드 (max_samples, 0 = 전체)</translation>
    </message>
    <message>
        <source>Generation</source>
        <translation>생성</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>배치 크기</translation>
    </message>
    <message>
        <source>Prompts answered together (per_device_eval_batch_size): larger is faster until memory runs out</source>
        <translation>함께 답하는 프롬프트 수 (per_device_eval_batch_size). 메모리가 허락하는 한 클수록 빠릅니다</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>최대 생성 토큰</translation>
    </message>
    <message>
        <source>The longest answer, in tokens (max_new_tokens)</source>
        <translation>가장 긴 답변의 토큰 수 (max_new_tokens)</translation>
    </message>
    <message>
        <source>Sample (otherwise greedy)</source>
        <translation>샘플링 (끄면 greedy)</translation>
    </message>
    <message>
        <source>Draw each token at random with the settings below (do_sample). Off: always the most likely token, so that runs can be compared</source>
        <translation>아래 설정으로 토큰을 무작위로 뽑습니다 (do_sample). 끄면 언제나 가장 가능성 높은 토큰을 골라 실행끼리 비교할 수 있습니다</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>온도</translation>
    </message>
    <message>
        <source>Randomness of sampled answers (temperature)</source>
        <translation>샘플링한 답변의 무작위성 (temperature)</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Sample only from the most likely tokens that together reach this probability (top_p)</source>
        <translation>확률의 합이 이 값에 이를 때까지 가능성 높은 토큰에서만 뽑습니다 (top_p)</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Sample only from the k most likely tokens (top_k; 0 = off)</source>
        <translation>가능성 높은 k개 토큰에서만 뽑습니다 (top_k, 0 = 끔)</translation>
    </message>
    <message>
        <source>Compare (A/B)</source>
        <translation>비교 (A/B)</translation>
    </message>
    <message>
        <source>Compare with</source>
        <translation>비교 대상</translation>
    </message>
    <message>
        <source>None</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>Base model (without the checkpoint)</source>
        <translation>기본 모델 (체크포인트 없이)</translation>
    </message>
    <message>
        <source>Another folder</source>
        <translation>다른 폴더</translation>
    </message>
    <message>
        <source>B answers the same prompts beside A, the model bar&apos;s model and checkpoint (lathe_compare)</source>
        <translation>B가 A(모델 막대의 모델과 체크포인트) 옆에서 같은 프롬프트에 답합니다 (lathe_compare)</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>폴더</translation>
    </message>
    <message>
        <source>an adapter or a fine-tuned model folder</source>
        <translation>어댑터나 미세 조정한 모델 폴더</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>출력</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>출력 폴더</translation>
    </message>
    <message>
        <source>Where generated_predictions.jsonl, predict_results.json and all_results.json are written (output_dir)</source>
        <translation>generated_predictions.jsonl, predict_results.json, all_results.json을 쓰는 곳 (output_dir)</translation>
    </message>
    <message>
        <source>By default each run gets a new folder: eval-&lt;date and time&gt; inside the checkpoint&apos;s run folder, or &lt;saves&gt;/&lt;model&gt;/eval/&lt;date and time&gt; without a checkpoint.</source>
        <translation>기본값은 실행마다 새 폴더입니다. 체크포인트가 있으면 그 실행 폴더 안의 eval-&lt;날짜와 시각&gt;, 없으면 &lt;저장 폴더&gt;/&lt;모델&gt;/eval/&lt;날짜와 시각&gt;입니다.</translation>
    </message>
    <message>
        <source>Choose the dataset folder</source>
        <translation>데이터셋 폴더 선택</translation>
    </message>
    <message>
        <source>Choose the model or adapter to compare with</source>
        <translation>비교할 모델이나 어댑터 선택</translation>
    </message>
    <message>
        <source>Choose the output folder</source>
        <translation>출력 폴더 선택</translation>
    </message>
    <message>
        <source>No model yet: choose a model folder in the model bar (or train the starter in Train).</source>
        <translation>아직 모델이 없습니다. 모델 막대에서 모델 폴더를 고르세요 (또는 학습 탭에서 스타터를 학습하세요).</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>자동</translation>
    </message>
    <message>
        <source>A: %1 (no checkpoint) · template %2</source>
        <translation>A: %1 (체크포인트 없음) · 템플릿 %2</translation>
    </message>
    <message>
        <source>A: %1 with %2 · template %3</source>
        <translation>A: %1 + %2 · 템플릿 %3</translation>
    </message>
    <message>
        <source>The model bar&apos;s model and checkpoint answer as A</source>
        <translation>모델 막대의 모델과 체크포인트가 A로 답합니다</translation>
    </message>
    <message>
        <source>Only A answers.</source>
        <translation>A만 답합니다.</translation>
    </message>
    <message>
        <source>B: the same model without the checkpoint, to see what fine-tuning changed.</source>
        <translation>B: 체크포인트 없는 같은 모델. 미세 조정이 무엇을 바꿨는지 봅니다.</translation>
    </message>
    <message>
        <source>B: the folder above (a LoRA adapter of this model, or a fine-tuned model).</source>
        <translation>B: 위의 폴더 (이 모델의 LoRA 어댑터나 미세 조정한 모델).</translation>
    </message>
    <message>
        <source>Judge (reward model)</source>
        <translation>심판 (보상 모델)</translation>
    </message>
    <message>
        <source>a reward model trained with stage rm (optional)</source>
        <translation>stage rm으로 학습한 보상 모델 (선택)</translation>
    </message>
    <message>
        <source>A reward model Lathe trained (stage rm: its adapter or model folder) scores every answer: the mean reward of A (and B) and, with a comparison, how often A&apos;s answer wins (lathe_judge)</source>
        <translation>Lathe로 학습한 보상 모델(stage rm의 어댑터 또는 모델 폴더)이 모든 답변에 점수를 매깁니다. A(와 B)의 평균 보상과, 비교할 때는 A의 답변이 이기는 비율을 보여 줍니다 (lathe_judge)</translation>
    </message>
    <message>
        <source>Choose a reward model (trained with stage rm)</source>
        <translation>보상 모델 선택 (stage rm으로 학습한 것)</translation>
    </message>
</context>
<context>
    <name>lathe::ui::EvaluateTab</name>
    <message>
        <source>Start</source>
        <translation>시작</translation>
    </message>
    <message>
        <source>Answer every prompt and score the answers (Ctrl+Return)</source>
        <translation>모든 프롬프트에 답하고 답변을 채점합니다 (Ctrl+Return)</translation>
    </message>
    <message>
        <source>Abort</source>
        <translation>중단</translation>
    </message>
    <message>
        <source>Open results…</source>
        <translation>결과 열기…</translation>
    </message>
    <message>
        <source>Show the predictions of an earlier run (generated_predictions.jsonl)</source>
        <translation>이전 실행의 예측을 보여 줍니다 (generated_predictions.jsonl)</translation>
    </message>
    <message>
        <source>Preview command</source>
        <translation>명령 미리보기</translation>
    </message>
    <message>
        <source>Show the lathe-cli command and YAML that run the same prediction</source>
        <translation>같은 예측을 실행하는 lathe-cli 명령과 YAML을 보여 줍니다</translation>
    </message>
    <message>
        <source>Save config…</source>
        <translation>설정 저장…</translation>
    </message>
    <message>
        <source>Save these settings as a YAML file (LLaMA-Factory&apos;s do_predict keys)</source>
        <translation>이 설정을 YAML 파일로 저장합니다 (LLaMA-Factory의 do_predict 키)</translation>
    </message>
    <message>
        <source>Load config…</source>
        <translation>설정 불러오기…</translation>
    </message>
    <message>
        <source>Load prediction settings from a YAML file</source>
        <translation>YAML 파일에서 예측 설정을 불러옵니다</translation>
    </message>
    <message>
        <source>&lt;b&gt;Metrics&lt;/b&gt; (0–100, means over the samples)</source>
        <translation>&lt;b&gt;지표&lt;/b&gt; (0–100, 샘플 평균)</translation>
    </message>
    <message>
        <source>Worst first</source>
        <translation>나쁜 것부터</translation>
    </message>
    <message>
        <source>Sort by ROUGE-L, lowest first; in an A/B run by the difference A − B, where A loses most first</source>
        <translation>ROUGE-L이 낮은 순으로 정렬합니다. A/B 실행에서는 A − B 차이로, A가 가장 크게 진 것부터 정렬합니다</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>CSV 내보내기…</translation>
    </message>
    <message>
        <source>Save the table, in its current order, as CSV</source>
        <translation>표를 지금 순서대로 CSV로 저장합니다</translation>
    </message>
    <message>
        <source>Export JSONL…</source>
        <translation>JSONL 내보내기…</translation>
    </message>
    <message>
        <source>Save the table, in its current order, as JSON Lines</source>
        <translation>표를 지금 순서대로 JSON Lines로 저장합니다</translation>
    </message>
    <message>
        <source>Select a row to read its prompt, label and prediction in full.</source>
        <translation>행을 고르면 프롬프트, 정답, 예측을 모두 읽을 수 있습니다.</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>준비됨</translation>
    </message>
    <message>
        <source>BLEU-4</source>
        <translation>BLEU-4</translation>
    </message>
    <message>
        <source>ROUGE-1</source>
        <translation>ROUGE-1</translation>
    </message>
    <message>
        <source>ROUGE-2</source>
        <translation>ROUGE-2</translation>
    </message>
    <message>
        <source>ROUGE-L</source>
        <translation>ROUGE-L</translation>
    </message>
    <message>
        <source>Exact match</source>
        <translation>완전 일치</translation>
    </message>
    <message>
        <source>F1</source>
        <translation>F1</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>샘플</translation>
    </message>
    <message>
        <source>Samples/s</source>
        <translation>샘플/초</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>Δ (A − B)</source>
        <translation>Δ (A − B)</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>값</translation>
    </message>
    <message>
        <source>The model bar&apos;s model with its checkpoint</source>
        <translation>모델 막대의 모델과 그 체크포인트</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;Predictions&lt;/b&gt; (%n rows)</source>
        <translation>
            <numerusform>&lt;b&gt;예측&lt;/b&gt; (%n행)</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1을(를) 쓸 수 없습니다: %2</translation>
    </message>
    <message>
        <source>Loaded %1; these keys mean nothing to a prediction here and were left out: %2</source>
        <translation>%1을(를) 불러왔습니다. 다음 키는 여기서 예측에 쓰이지 않아 빼 두었습니다: %2</translation>
    </message>
    <message>
        <source>Choose a model folder in the model bar: predictions need a trained model (a new model from scratch has nothing to evaluate until the starter has run in Train).</source>
        <translation>모델 막대에서 모델 폴더를 고르세요. 예측에는 학습된 모델이 필요합니다 (처음부터 만드는 새 모델은 학습 탭에서 스타터를 실행하기 전에는 평가할 것이 없습니다).</translation>
    </message>
    <message>
        <source>Tick at least one dataset to predict on.</source>
        <translation>예측할 데이터셋을 하나 이상 고르세요.</translation>
    </message>
    <message>
        <source>Choose the folder to compare with, or set Compare with to None.</source>
        <translation>비교할 폴더를 고르거나 비교 대상을 없음으로 하세요.</translation>
    </message>
    <message>
        <source>Comparing with the base model needs a checkpoint in the model bar: without one, A and B are the same model.</source>
        <translation>기본 모델과 비교하려면 모델 막대에 체크포인트가 있어야 합니다. 없으면 A와 B가 같은 모델입니다.</translation>
    </message>
    <message>
        <source>Choose an output folder.</source>
        <translation>출력 폴더를 고르세요.</translation>
    </message>
    <message>
        <source>Fix the problems marked in red before starting.</source>
        <translation>시작하기 전에 빨간색으로 표시된 문제를 고치세요.</translation>
    </message>
    <message>
        <source>Preparing: reading the datasets and loading the model…</source>
        <translation>준비 중: 데이터셋을 읽고 모델을 불러오는 중…</translation>
    </message>
    <message>
        <source>output folder: %1</source>
        <translation>출력 폴더: %1</translation>
    </message>
    <message>
        <source>%1 samples to predict · elapsed %2</source>
        <translation>예측할 샘플 %1개 · 경과 %2</translation>
    </message>
    <message>
        <source>Sample %1 of %2 · elapsed %3 · remaining %4</source>
        <translation>샘플 %1/%2 · 경과 %3 · 남은 시간 %4</translation>
    </message>
    <message>
        <source>Predicted %1 samples in %2: BLEU-4 %3, ROUGE-L %4. Written to %5</source>
        <translation>샘플 %1개를 %2 동안 예측했습니다: BLEU-4 %3, ROUGE-L %4. 저장 위치: %5</translation>
    </message>
    <message>
        <source>Stopped after %1 of %2 samples; the predictions so far are in %3 (marked partial).</source>
        <translation>샘플 %2개 중 %1개에서 멈췄습니다. 그때까지의 예측은 %3에 있습니다 (partial로 표시).</translation>
    </message>
    <message>
        <source>Stopped before any sample was finished.</source>
        <translation>끝난 샘플 없이 멈췄습니다.</translation>
    </message>
    <message>
        <source>Prediction failed: %1</source>
        <translation>예측 실패: %1</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>완료</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>멈춤</translation>
    </message>
    <message>
        <source>BLEU-4 %1 · ROUGE-1 %2 · ROUGE-2 %3 · ROUGE-L %4 · exact match %5 · F1 %6</source>
        <translation>BLEU-4 %1 · ROUGE-1 %2 · ROUGE-2 %3 · ROUGE-L %4 · 완전 일치 %5 · F1 %6</translation>
    </message>
    <message>
        <source>(stopped at the token limit)</source>
        <translation>(토큰 한도에서 멈춤)</translation>
    </message>
    <message>
        <source>Sample %1 · %2</source>
        <translation>샘플 %1 · %2</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>정답</translation>
    </message>
    <message>
        <source>Prediction A</source>
        <translation>예측 A</translation>
    </message>
    <message>
        <source>Prediction</source>
        <translation>예측</translation>
    </message>
    <message>
        <source>Prediction B</source>
        <translation>예측 B</translation>
    </message>
    <message>
        <source>exported %1 rows to %2</source>
        <translation>%1행을 %2(으)로 내보냄</translation>
    </message>
    <message>
        <source>Showing %1</source>
        <translation>%1 표시 중</translation>
    </message>
    <message>
        <source>Opened %1 predictions from %2 (a stopped run: partial).</source>
        <translation>%2에서 예측 %1개를 열었습니다 (멈춘 실행: partial).</translation>
    </message>
    <message>
        <source>Opened %1 predictions from %2.</source>
        <translation>%2에서 예측 %1개를 열었습니다.</translation>
    </message>
    <message>
        <source>Save these settings as predict.yaml (Save config…), then run:</source>
        <translation>이 설정을 predict.yaml로 저장(설정 저장…)한 뒤 다음을 실행합니다:</translation>
    </message>
    <message>
        <source>The settings as saved in %1 (save again after changes), run with:</source>
        <translation>%1에 저장된 설정(바꾼 뒤에는 다시 저장)을 다음으로 실행합니다:</translation>
    </message>
    <message>
        <source>Save prediction config</source>
        <translation>예측 설정 저장</translation>
    </message>
    <message>
        <source>Load prediction config</source>
        <translation>예측 설정 불러오기</translation>
    </message>
    <message>
        <source>Open predictions</source>
        <translation>예측 열기</translation>
    </message>
    <message>
        <source>Predictions (generated_predictions.jsonl *.jsonl)</source>
        <translation>예측 (generated_predictions.jsonl *.jsonl)</translation>
    </message>
    <message>
        <source>Open results</source>
        <translation>결과 열기</translation>
    </message>
    <message>
        <source>Export predictions as CSV</source>
        <translation>예측을 CSV로 내보내기</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 파일 (*.csv)</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>CSV 내보내기</translation>
    </message>
    <message>
        <source>Export predictions as JSON Lines</source>
        <translation>예측을 JSON Lines로 내보내기</translation>
    </message>
    <message>
        <source>JSON Lines files (*.jsonl)</source>
        <translation>JSON Lines 파일 (*.jsonl)</translation>
    </message>
    <message>
        <source>Export JSONL</source>
        <translation>JSONL 내보내기</translation>
    </message>
    <message>
        <source>Samples answered per second over the whole run; in an A/B run both models answer each sample</source>
        <translation>실행 전체에서 초당 답한 샘플 수. A/B 실행에서는 두 모델이 샘플마다 답합니다</translation>
    </message>
    <message>
        <source>Share of answers equal to the label after SQuAD&apos;s normalisation</source>
        <translation>SQuAD 방식으로 정규화했을 때 정답과 같은 답변의 비율</translation>
    </message>
    <message>
        <source>Word overlap of answer and label (SQuAD&apos;s token F1)</source>
        <translation>답변과 정답의 단어 겹침 (SQuAD의 토큰 F1)</translation>
    </message>
    <message>
        <source>Question</source>
        <translation>질문</translation>
    </message>
    <message>
        <source>Prompt, as the model read it</source>
        <translation>모델이 읽은 그대로의 프롬프트</translation>
    </message>
    <message>
        <source>Stop now: the batch being answered is dropped, the finished ones are kept (Esc)</source>
        <translation>지금 멈춥니다. 답하던 배치는 버리고 끝난 배치는 남깁니다 (Esc)</translation>
    </message>
    <message>
        <source>Stopping: the batch being answered is dropped…</source>
        <translation>멈추는 중: 답하던 배치는 버립니다…</translation>
    </message>
    <message>
        <source>Reward</source>
        <translation>보상</translation>
    </message>
    <message>
        <source>Win rate (A over B)</source>
        <translation>승률 (A 대 B)</translation>
    </message>
    <message>
        <source>The judge&apos;s mean reward for the answers, on the reward model&apos;s own scale (not 0–100)</source>
        <translation>답변에 대한 심판의 평균 보상. 보상 모델 고유의 척도입니다 (0–100이 아님)</translation>
    </message>
    <message>
        <source>Share of samples, in %, where the judge gives A&apos;s answer a higher reward than B&apos;s (a tie counts half)</source>
        <translation>심판이 A의 답변에 B의 답변보다 높은 보상을 준 샘플의 비율(%) (동점은 절반으로 셉니다)</translation>
    </message>
    <message>
        <source>Reward %1</source>
        <translation>보상 %1</translation>
    </message>
    <message>
        <source>Checkpoint %1 of %2 (step %3)</source>
        <translation>체크포인트 %1/%2 (스텝 %3)</translation>
    </message>
    <message>
        <source> · loading…</source>
        <translation> · 불러오는 중…</translation>
    </message>
    <message>
        <source>Predictions</source>
        <translation>예측</translation>
    </message>
    <message>
        <source>Checkpoint curve</source>
        <translation>체크포인트 곡선</translation>
    </message>
    <message>
        <source>The saved curve cannot be read (%1); Evaluate every checkpoint writes it anew.</source>
        <translation>저장된 곡선을 읽을 수 없습니다(%1). 모든 체크포인트 평가를 누르면 새로 씁니다.</translation>
    </message>
    <message>
        <source>Preparing: reading the saved curve of %1…</source>
        <translation>준비 중: %1의 저장된 곡선을 읽는 중…</translation>
    </message>
    <message>
        <source>checkpoint curve: %1</source>
        <translation>체크포인트 곡선: %1</translation>
    </message>
    <message numerus="yes">
        <source>Evaluated %n checkpoint(s) (%1 newly predicted). %2. The curve is in %3</source>
        <translation>
            <numerusform>체크포인트 %n개를 평가했습니다(새로 예측 %1개). %2. 곡선은 %3에 있습니다</numerusform>
        </translation>
    </message>
    <message>
        <source>Checkpoint curve failed: %1</source>
        <translation>체크포인트 곡선 실패: %1</translation>
    </message>
    <message>
        <source>Stopped with %1 of %2 checkpoints evaluated; Start again with the same settings to evaluate the rest.</source>
        <translation>체크포인트 %2개 중 %1개를 평가하고 멈췄습니다. 나머지를 평가하려면 같은 설정으로 다시 시작하세요.</translation>
    </message>
    <message>
        <source>Checkpoint curve failed at the checkpoint of step %1 (%2): %3</source>
        <translation>%1단계 체크포인트(%2)에서 체크포인트 곡선이 실패했습니다: %3</translation>
    </message>
</context>
<context>
    <name>lathe::ui::ExportForm</name>
    <message>
        <source>bf16 — bfloat16, as trained (default)</source>
        <translation>bf16 — bfloat16, 학습한 그대로 (기본값)</translation>
    </message>
    <message>
        <source>f16 — 16-bit float</source>
        <translation>f16 — 16비트 부동소수점</translation>
    </message>
    <message>
        <source>f32 — 32-bit float, twice the size</source>
        <translation>f32 — 32비트 부동소수점, 크기 두 배</translation>
    </message>
    <message>
        <source>f16 — 16-bit float (default)</source>
        <translation>f16 — 16비트 부동소수점 (기본값)</translation>
    </message>
    <message>
        <source>bf16 — bfloat16</source>
        <translation>bf16 — bfloat16</translation>
    </message>
    <message>
        <source>q8_0 — 8-bit, about half of f16, nearly as good</source>
        <translation>q8_0 — 8비트, f16의 절반 정도 크기에 품질은 거의 같음</translation>
    </message>
    <message>
        <source>q4_k_m — 4-bit k-quant, small and good (llama.cpp&apos;s usual choice)</source>
        <translation>q4_k_m — 4비트 k-양자화, 작고 품질 좋음 (llama.cpp의 흔한 선택)</translation>
    </message>
    <message>
        <source>q4_0 — 4-bit, plain</source>
        <translation>q4_0 — 4비트, 기본 방식</translation>
    </message>
    <message>
        <source>Choose a model folder or a full checkpoint</source>
        <translation>모델 폴더나 전체 미세 조정 체크포인트 선택</translation>
    </message>
    <message>
        <source>Choose the target folder</source>
        <translation>대상 폴더 선택</translation>
    </message>
    <message>
        <source>What to export</source>
        <translation>내보낼 것</translation>
    </message>
    <message>
        <source>Where and how</source>
        <translation>위치와 방식</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <source>&lt;code&gt;model_name_or_path&lt;/code&gt;&lt;br&gt;The model folder, or a full fine-tune&apos;s run or checkpoint folder, whose weights are exported</source>
        <translation>&lt;code&gt;model_name_or_path&lt;/code&gt;&lt;br&gt;가중치를 내보낼 모델 폴더, 또는 전체 미세 조정의 실행 폴더나 체크포인트 폴더</translation>
    </message>
    <message>
        <source>Follow the model bar, or pick a full fine-tune from the saves folder</source>
        <translation>모델 막대를 따르거나, 저장 폴더에서 전체 미세 조정 결과를 고릅니다</translation>
    </message>
    <message>
        <source>LoRA adapters</source>
        <translation>LoRA 어댑터</translation>
    </message>
    <message>
        <source>&lt;code&gt;adapter_name_or_path&lt;/code&gt;&lt;br&gt;Adapters merged into the model, first to last. Empty exports the model as it is.</source>
        <translation>&lt;code&gt;adapter_name_or_path&lt;/code&gt;&lt;br&gt;모델에 병합할 어댑터, 위에서 아래 순서로 병합합니다. 비어 있으면 모델을 그대로 내보냅니다.</translation>
    </message>
    <message>
        <source>Choose a LoRA adapter folder</source>
        <translation>LoRA 어댑터 폴더 선택</translation>
    </message>
    <message>
        <source>Target folder</source>
        <translation>대상 폴더</translation>
    </message>
    <message>
        <source>&lt;code&gt;export_dir&lt;/code&gt;&lt;br&gt;Where the export is written; it must not lie inside the model or an adapter. A folder that is not empty is replaced after you agree.</source>
        <translation>&lt;code&gt;export_dir&lt;/code&gt;&lt;br&gt;내보낸 결과를 쓸 곳. 모델이나 어댑터 폴더 안이면 안 됩니다. 비어 있지 않은 폴더는 동의한 뒤에 바꿉니다.</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>형식</translation>
    </message>
    <message>
        <source>Hugging Face folder (safetensors)</source>
        <translation>Hugging Face 폴더 (safetensors)</translation>
    </message>
    <message>
        <source>GGUF (llama.cpp, Ollama)</source>
        <translation>GGUF (llama.cpp, Ollama)</translation>
    </message>
    <message>
        <source>&lt;code&gt;export_format&lt;/code&gt;&lt;br&gt;A Hugging Face folder loads in transformers, vLLM and Lathe; one GGUF file runs in llama.cpp, and the Modelfile beside it in Ollama</source>
        <translation>&lt;code&gt;export_format&lt;/code&gt;&lt;br&gt;Hugging Face 폴더는 transformers, vLLM, Lathe에서 불러옵니다. GGUF 파일 하나는 llama.cpp에서, 옆의 Modelfile로는 Ollama에서 실행됩니다</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>정밀도</translation>
    </message>
    <message>
        <source>&lt;code&gt;export_quantization&lt;/code&gt;&lt;br&gt;How the weights are stored: quantized types (q8_0, q4_k_m, q4_0) are smaller and a little less exact</source>
        <translation>&lt;code&gt;export_quantization&lt;/code&gt;&lt;br&gt;가중치를 저장하는 방식. 양자화 형식(q8_0, q4_k_m, q4_0)은 더 작고 조금 덜 정확합니다</translation>
    </message>
    <message>
        <source>Max shard size</source>
        <translation>최대 분할 크기</translation>
    </message>
    <message>
        <source>&lt;code&gt;export_size&lt;/code&gt;&lt;br&gt;Largest safetensors file, e.g. 2GB or 500MB; bigger models are split into shards with an index (0 = one file)</source>
        <translation>&lt;code&gt;export_size&lt;/code&gt;&lt;br&gt;safetensors 파일 하나의 최대 크기(예: 2GB, 500MB). 더 큰 모델은 색인 파일과 함께 여러 조각으로 나뉩니다 (0 = 파일 하나)</translation>
    </message>
    <message>
        <source>Chat template</source>
        <translation>채팅 템플릿</translation>
    </message>
    <message>
        <source>auto (from the model)</source>
        <translation>자동 (모델에서)</translation>
    </message>
    <message>
        <source>&lt;code&gt;template&lt;/code&gt;&lt;br&gt;The chat format written into the tokenizer config and the Modelfile, so that other programs prompt the model as it was trained</source>
        <translation>&lt;code&gt;template&lt;/code&gt;&lt;br&gt;토크나이저 설정과 Modelfile에 쓰는 채팅 형식. 다른 프로그램도 학습한 형식 그대로 모델에 묻게 됩니다</translation>
    </message>
    <message>
        <source>Model name</source>
        <translation>모델 이름</translation>
    </message>
    <message>
        <source>the target folder&apos;s name</source>
        <translation>대상 폴더 이름</translation>
    </message>
    <message>
        <source>&lt;code&gt;model_name&lt;/code&gt;&lt;br&gt;The name in the model card, the GGUF metadata and the GGUF file name</source>
        <translation>&lt;code&gt;model_name&lt;/code&gt;&lt;br&gt;모델 카드, GGUF 메타데이터, GGUF 파일 이름에 쓰는 이름</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU 스레드</translation>
    </message>
    <message>
        <source>all cores</source>
        <translation>모든 코어</translation>
    </message>
    <message>
        <source>&lt;code&gt;threads&lt;/code&gt;&lt;br&gt;Threads for merging and quantizing</source>
        <translation>&lt;code&gt;threads&lt;/code&gt;&lt;br&gt;병합과 양자화에 쓰는 스레드 수</translation>
    </message>
    <message>
        <source>Chosen here; the ▾ menu follows the model bar again.</source>
        <translation>여기서 골랐습니다. ▾ 메뉴로 다시 모델 막대를 따를 수 있습니다.</translation>
    </message>
    <message>
        <source>Follows the model bar&apos;s checkpoint (a full fine-tune).</source>
        <translation>모델 막대의 체크포인트(전체 미세 조정)를 따릅니다.</translation>
    </message>
    <message>
        <source>Follows the model bar, which has no model folder yet.</source>
        <translation>모델 막대를 따릅니다. 아직 모델 폴더가 없습니다.</translation>
    </message>
    <message>
        <source>Follows the model bar.</source>
        <translation>모델 막대를 따릅니다.</translation>
    </message>
    <message>
        <source>Follow the model bar</source>
        <translation>모델 막대 따르기</translation>
    </message>
    <message>
        <source>Full fine-tunes of this model</source>
        <translation>이 모델의 전체 미세 조정 결과</translation>
    </message>
</context>
<context>
    <name>lathe::ui::ExportTab</name>
    <message>
        <source>Before exporting</source>
        <translation>내보내기 전에</translation>
    </message>
    <message>
        <source>File</source>
        <translation>파일</translation>
    </message>
    <message>
        <source>Estimated size</source>
        <translation>예상 크기</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>크기</translation>
    </message>
    <message>
        <source>Written:</source>
        <translation>쓴 파일:</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>내보내기</translation>
    </message>
    <message>
        <source>Merge the adapters into the model and write the export</source>
        <translation>어댑터를 모델에 병합하고 내보냅니다</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Stop the export; nothing is written to the target folder</source>
        <translation>내보내기를 멈춥니다. 대상 폴더에는 아무것도 쓰지 않습니다</translation>
    </message>
    <message>
        <source>Preview command</source>
        <translation>명령 미리보기</translation>
    </message>
    <message>
        <source>Show the lathe-cli command and YAML that run the same export</source>
        <translation>같은 내보내기를 실행하는 lathe-cli 명령과 YAML을 보여 줍니다</translation>
    </message>
    <message>
        <source>Save config…</source>
        <translation>설정 저장…</translation>
    </message>
    <message>
        <source>Save these settings as a YAML file that lathe-cli export reads</source>
        <translation>이 설정을 lathe-cli export가 읽는 YAML 파일로 저장합니다</translation>
    </message>
    <message>
        <source>Load config…</source>
        <translation>설정 불러오기…</translation>
    </message>
    <message>
        <source>Load export settings from a YAML file (LLaMA-Factory keys)</source>
        <translation>YAML 파일에서 내보내기 설정을 불러옵니다 (LLaMA-Factory 키)</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>준비됨</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1을(를) 쓸 수 없습니다: %2</translation>
    </message>
    <message>
        <source>About %1 in %2 files, chat template %3.</source>
        <translation>파일 %2개, 약 %1, 채팅 템플릿 %3.</translation>
    </message>
    <message>
        <source>%1 free where it goes.</source>
        <translation>쓸 곳의 여유 공간 %1.</translation>
    </message>
    <message>
        <source>Checking the settings…</source>
        <translation>설정을 확인하는 중…</translation>
    </message>
    <message>
        <source>No estimate until the problems in red are fixed.</source>
        <translation>빨간색 문제를 고치면 예상 크기를 보여 줍니다.</translation>
    </message>
    <message>
        <source>The target folder is not empty: Export asks before replacing what is in it.</source>
        <translation>대상 폴더가 비어 있지 않습니다. 내보내기 전에 안의 내용을 바꿀지 묻습니다.</translation>
    </message>
    <message>
        <source>Replace the target folder?</source>
        <translation>대상 폴더를 바꿀까요?</translation>
    </message>
    <message>
        <source>%1 is not empty. The export replaces everything in it once it is complete. Replace it?</source>
        <translation>%1은(는) 비어 있지 않습니다. 내보내기가 끝나면 안의 내용이 모두 바뀝니다. 바꿀까요?</translation>
    </message>
    <message>
        <source>Fix the problems marked in red before exporting.</source>
        <translation>내보내기 전에 빨간색으로 표시된 문제를 고치세요.</translation>
    </message>
    <message>
        <source>The settings are still being checked; try again in a moment.</source>
        <translation>아직 설정을 확인하는 중입니다. 잠시 뒤에 다시 해 보세요.</translation>
    </message>
    <message>
        <source>Not exported: %1 is not empty and was left as it is.</source>
        <translation>내보내지 않음: %1은(는) 비어 있지 않아 그대로 두었습니다.</translation>
    </message>
    <message>
        <source>not exported: the target folder was kept</source>
        <translation>내보내지 않음: 대상 폴더를 그대로 두었습니다</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>시작하는 중…</translation>
    </message>
    <message>
        <source>exporting to %1</source>
        <translation>%1(으)로 내보내는 중</translation>
    </message>
    <message>
        <source>Cancelling after the current tensor…</source>
        <translation>지금 텐서를 마치고 취소하는 중…</translation>
    </message>
    <message>
        <source>finished in %1 s</source>
        <translation>%1초 만에 끝남</translation>
    </message>
    <message>
        <source>Exported %1 files, %2, in %3 s to %4 (chat template %5).</source>
        <translation>파일 %1개(%2)를 %3초 만에 %4에 내보냈습니다 (채팅 템플릿 %5).</translation>
    </message>
    <message>
        <source>Export cancelled: %1</source>
        <translation>내보내기 취소됨: %1</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>내보내기 실패: %1</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>완료</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>멈춤</translation>
    </message>
    <message>
        <source>Save these settings as export.yaml (Save config…), then run:</source>
        <translation>이 설정을 export.yaml로 저장한 뒤(설정 저장…) 다음을 실행하세요:</translation>
    </message>
    <message>
        <source>The settings as saved in %1 (save again after changes), run with:</source>
        <translation>%1에 저장된 설정(바꾼 뒤에는 다시 저장)을 다음으로 실행합니다:</translation>
    </message>
    <message>
        <source>Save export config</source>
        <translation>내보내기 설정 저장</translation>
    </message>
    <message>
        <source>Load export config</source>
        <translation>내보내기 설정 불러오기</translation>
    </message>
</context>
<context>
    <name>lathe::ui::MainWindow</name>
    <message>
        <source>Data</source>
        <translation>데이터</translation>
    </message>
    <message>
        <source>About Lathe</source>
        <translation>Lathe 정보</translation>
    </message>
    <message>
        <source>&lt;b&gt;Lathe&lt;/b&gt; %1&lt;br&gt;Fine-tune language models on your own computer: one program that trains, chats and exports, and lathe-cli, which runs the same engine from the same YAML files.</source>
        <translation>&lt;b&gt;Lathe&lt;/b&gt; %1&lt;br&gt;내 컴퓨터에서 언어 모델을 미세 조정합니다. 학습, 대화, 내보내기를 하나의 프로그램에서 하고, lathe-cli는 같은 YAML 파일로 같은 엔진을 실행합니다.</translation>
    </message>
    <message>
        <source>Lathe Studio</source>
        <translation>Lathe 스튜디오</translation>
    </message>
    <message>
        <source>Train</source>
        <translation>학습</translation>
    </message>
    <message>
        <source>Evaluate &amp;&amp; Predict</source>
        <translation>평가 &amp;&amp; 예측</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>대화</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>내보내기</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>파일(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Load training config…</source>
        <translation>학습 설정 불러오기(&amp;L)…</translation>
    </message>
    <message>
        <source>&amp;Save training config…</source>
        <translation>학습 설정 저장(&amp;S)…</translation>
    </message>
    <message>
        <source>New model from scratch (&amp;starter)</source>
        <translation>새 모델 처음부터 만들기 (스타터)(&amp;S)</translation>
    </message>
    <message>
        <source>Choose saves &amp;folder…</source>
        <translation>저장 폴더 선택(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>끝내기(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>도움말(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Lathe</source>
        <translation>Lathe 정보(&amp;A)</translation>
    </message>
    <message>
        <source>Memory: %1</source>
        <translation>메모리: %1</translation>
    </message>
    <message>
        <source>Device: %1</source>
        <translation>장치: %1</translation>
    </message>
    <message>
        <source>Resident memory of this process</source>
        <translation>이 프로세스가 쓰는 상주 메모리</translation>
    </message>
    <message>
        <source>Choose the saves folder</source>
        <translation>저장 폴더 선택</translation>
    </message>
    <message>
        <source>Training is running</source>
        <translation>학습 중입니다</translation>
    </message>
    <message>
        <source>Stop training and quit? The run stops after the current step and keeps a checkpoint to resume from.</source>
        <translation>학습을 멈추고 끝낼까요? 현재 스텝이 끝나면 멈추고, 이어서 학습할 수 있도록 체크포인트를 남깁니다.</translation>
    </message>
    <message>
        <source>Stopping training, then closing…</source>
        <translation>학습을 멈추는 중, 그다음 닫습니다…</translation>
    </message>
    <message>
        <source>An export is running</source>
        <translation>내보내기가 진행 중입니다</translation>
    </message>
    <message>
        <source>Cancel the export and quit? Nothing is written to its target folder.</source>
        <translation>내보내기를 취소하고 끝낼까요? 대상 폴더에는 아무것도 쓰지 않습니다.</translation>
    </message>
    <message>
        <source>Cancelling the export, then closing…</source>
        <translation>내보내기를 취소하는 중, 그다음 닫습니다…</translation>
    </message>
    <message>
        <source>Predictions are running</source>
        <translation>예측이 진행 중입니다</translation>
    </message>
    <message>
        <source>Stop the predictions and quit? The answers so far stay in generated_predictions.jsonl.</source>
        <translation>예측을 멈추고 끝낼까요? 그때까지의 답변은 generated_predictions.jsonl에 남습니다.</translation>
    </message>
    <message>
        <source>Stopping the predictions, then closing…</source>
        <translation>예측을 멈추는 중, 그다음 닫습니다…</translation>
    </message>
    <message>
        <source>cpu (1 thread)</source>
        <translation>cpu (스레드 1개)</translation>
    </message>
    <message>
        <source>cpu (%1 threads)</source>
        <translation>cpu (스레드 %1개)</translation>
    </message>
    <message>
        <source>Where the engine computes, and its CPU threads. CPU kernels: %1</source>
        <translation>엔진이 계산하는 장치와 CPU 스레드 수. CPU 커널: %1</translation>
    </message>
</context>
<context>
    <name>lathe::ui::ModelBar</name>
    <message>
        <source>Choose a model folder</source>
        <translation>모델 폴더 선택</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <source>New model from scratch</source>
        <translation>새 모델 (처음부터)</translation>
    </message>
    <message>
        <source>A Hugging Face model folder (config.json, model.safetensors, tokenizer), one of the recent ones, or a new model created from scratch on your data</source>
        <translation>Hugging Face 모델 폴더(config.json, model.safetensors, 토크나이저), 최근 모델 중 하나, 또는 내 데이터로 처음부터 만드는 새 모델</translation>
    </message>
    <message>
        <source>Size of the new model: tiny (~5M parameters, minutes on a laptop), small (~25M), base (~100M, hours)</source>
        <translation>새 모델의 크기: tiny (약 5M 파라미터, 노트북에서 몇 분), small (약 25M), base (약 100M, 몇 시간)</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>방법</translation>
    </message>
    <message>
        <source>Full</source>
        <translation>전체</translation>
    </message>
    <message>
        <source>Freeze</source>
        <translation>동결</translation>
    </message>
    <message>
        <source>LoRA</source>
        <translation>LoRA</translation>
    </message>
    <message>
        <source>QLoRA 4-bit</source>
        <translation>QLoRA 4비트</translation>
    </message>
    <message>
        <source>QLoRA 8-bit</source>
        <translation>QLoRA 8비트</translation>
    </message>
    <message>
        <source>Full trains every weight; Freeze only the last layers; LoRA small adapters beside frozen weights; QLoRA the same over a 4- or 8-bit quantized base (least memory)</source>
        <translation>전체는 모든 가중치를, 동결은 마지막 층만, LoRA는 고정된 가중치 옆의 작은 어댑터를 학습합니다. QLoRA는 4비트 또는 8비트로 양자화한 기본 모델 위에서 LoRA를 학습합니다(메모리 최소)</translation>
    </message>
    <message>
        <source>Checkpoint</source>
        <translation>체크포인트</translation>
    </message>
    <message>
        <source>A run of this model from the saves folder: its adapter is used in Chat and for further training, and its loss curve is shown in Train</source>
        <translation>저장 폴더에 있는 이 모델의 실행: 그 어댑터를 대화와 추가 학습에 쓰고, 손실 곡선을 학습 탭에 보여 줍니다</translation>
    </message>
    <message>
        <source>Look for new runs in the saves folder</source>
        <translation>저장 폴더에서 새 실행을 찾습니다</translation>
    </message>
    <message>
        <source>Template</source>
        <translation>템플릿</translation>
    </message>
    <message>
        <source>The chat format the model is trained and prompted with; auto detects it from the tokenizer and config</source>
        <translation>모델을 학습하고 질문할 때 쓰는 대화 형식. 자동은 토크나이저와 설정에서 알아냅니다</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <source>Language of the studio</source>
        <translation>스튜디오의 표시 언어</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>자동</translation>
    </message>
    <message>
        <source>auto (%1)</source>
        <translation>자동 (%1)</translation>
    </message>
    <message>
        <source>Choose a model folder, or a new model from scratch</source>
        <translation>모델 폴더를 고르거나 새 모델을 처음부터 만드세요</translation>
    </message>
    <message>
        <source>This folder is a LoRA adapter (base: %1): choose its base model here and the adapter as checkpoint</source>
        <translation>이 폴더는 LoRA 어댑터입니다 (기본 모델: %1). 여기에는 기본 모델을, 체크포인트에는 어댑터를 고르세요</translation>
    </message>
    <message>
        <source>(no runs of this model yet)</source>
        <translation>(이 모델의 실행 없음)</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(없음)</translation>
    </message>
    <message>
        <source>Precision: %1</source>
        <translation>정밀도: %1</translation>
    </message>
    <message>
        <source>What the Train tab&apos;s settings compute in on this machine (the bf16 setting decides):
%1</source>
        <translation>학습 탭의 설정이 이 컴퓨터에서 계산하는 정밀도 (bf16 설정이 정합니다):
%1</translation>
    </message>
    <message>
        <source>Warning: %1</source>
        <translation>경고: %1</translation>
    </message>
    <message>
        <source>New %1 model: %2 parameters, %3 layers; its tokenizer is trained on your data at Start</source>
        <translation>새 %1 모델: 파라미터 %2개, %3층. 토크나이저는 시작할 때 데이터로 학습합니다</translation>
    </message>
    <message>
        <source>%1 · %2 parameters · %3 layers · chat needs ≈ %4</source>
        <translation>%1 · 파라미터 %2개 · %3층 · 대화에 ≈ %4 필요</translation>
    </message>
</context>
<context>
    <name>lathe::ui::PredictYaml</name>
    <message>
        <source>%1: %2: expected %3, got &apos;%4&apos;</source>
        <translation>%1: %2: %3이(가) 와야 하는데 &apos;%4&apos;입니다</translation>
    </message>
    <message>
        <source>a whole number above 0</source>
        <translation>0보다 큰 정수</translation>
    </message>
    <message>
        <source>a whole number</source>
        <translation>정수</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>숫자</translation>
    </message>
    <message>
        <source>true or false</source>
        <translation>true나 false</translation>
    </message>
    <message>
        <source>%1: stage: predictions are made on sft data, got &apos;%2&apos;</source>
        <translation>%1: stage: 예측은 sft 데이터로 합니다. 값이 &apos;%2&apos;입니다</translation>
    </message>
    <message>
        <source>%1: a training config, not a prediction config (that needs do_predict: true and do_train: false)</source>
        <translation>%1: 예측 설정이 아니라 학습 설정입니다 (예측 설정에는 do_predict: true와 do_train: false가 있어야 합니다)</translation>
    </message>
    <message>
        <source>%1: predict_with_generate: Lathe predicts by generating answers; set it to true</source>
        <translation>%1: predict_with_generate: Lathe는 답변을 생성해서 예측합니다. true로 하세요</translation>
    </message>
</context>
<context>
    <name>lathe::ui::PredictionTable</name>
    <message>
        <source>(stopped at the token limit)</source>
        <translation>(토큰 한도에서 멈춤)</translation>
    </message>
    <message>
        <source>BLEU-4 %1 · ROUGE-1 %2 · ROUGE-2 %3 · ROUGE-L %4 · exact match %5 · F1 %6</source>
        <translation>BLEU-4 %1 · ROUGE-1 %2 · ROUGE-2 %3 · ROUGE-L %4 · 완전 일치 %5 · F1 %6</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>프롬프트</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>정답</translation>
    </message>
    <message>
        <source>Prediction A</source>
        <translation>예측 A</translation>
    </message>
    <message>
        <source>Prediction</source>
        <translation>예측</translation>
    </message>
    <message>
        <source>BLEU-4</source>
        <translation>BLEU-4</translation>
    </message>
    <message>
        <source>ROUGE-L</source>
        <translation>ROUGE-L</translation>
    </message>
    <message>
        <source>Prediction B</source>
        <translation>예측 B</translation>
    </message>
    <message>
        <source>The expected answer from the dataset</source>
        <translation>데이터셋의 기대 답변</translation>
    </message>
    <message>
        <source>The answer of A: the model with the checkpoint</source>
        <translation>A의 답변: 체크포인트를 얹은 모델</translation>
    </message>
    <message>
        <source>The model&apos;s answer</source>
        <translation>모델의 답변</translation>
    </message>
    <message>
        <source>The answer of B, the comparison</source>
        <translation>비교 대상 B의 답변</translation>
    </message>
    <message>
        <source>ROUGE-L of A minus ROUGE-L of B: below 0 where A does worse than B</source>
        <translation>A의 ROUGE-L에서 B의 ROUGE-L을 뺀 값. 0보다 작으면 A가 B보다 나쁩니다</translation>
    </message>
    <message>
        <source>BLEU-4
A</source>
        <translation>BLEU-4
A</translation>
    </message>
    <message>
        <source>ROUGE-L
A</source>
        <translation>ROUGE-L
A</translation>
    </message>
    <message>
        <source>BLEU-4
B</source>
        <translation>BLEU-4
B</translation>
    </message>
    <message>
        <source>ROUGE-L
B</source>
        <translation>ROUGE-L
B</translation>
    </message>
    <message>
        <source>Δ
ROUGE-L</source>
        <translation>Δ
ROUGE-L</translation>
    </message>
    <message>
        <source>The prompt&apos;s last message; the whole prompt, as the model read it, is in the tooltip and below the table</source>
        <translation>프롬프트의 마지막 메시지. 모델이 읽은 프롬프트 전체는 툴팁과 표 아래에 있습니다</translation>
    </message>
    <message>
        <source>Reward A %1 · B %2</source>
        <translation>보상 A %1 · B %2</translation>
    </message>
    <message>
        <source>Reward %1</source>
        <translation>보상 %1</translation>
    </message>
    <message>
        <source>Reward
A</source>
        <translation>보상
A</translation>
    </message>
    <message>
        <source>Reward</source>
        <translation>보상</translation>
    </message>
    <message>
        <source>Reward
B</source>
        <translation>보상
B</translation>
    </message>
    <message>
        <source>Δ
reward</source>
        <translation>Δ
보상</translation>
    </message>
    <message>
        <source>The judge&apos;s reward for the answer: higher is better, on the reward model&apos;s own scale</source>
        <translation>답변에 대한 심판의 보상. 높을수록 좋으며, 보상 모델 고유의 척도입니다</translation>
    </message>
    <message>
        <source>The judge&apos;s reward for B&apos;s answer</source>
        <translation>B의 답변에 대한 심판의 보상</translation>
    </message>
    <message>
        <source>Reward of A minus reward of B: below 0 where the judge prefers B&apos;s answer</source>
        <translation>A의 보상에서 B의 보상을 뺀 값. 0보다 작으면 심판이 B의 답변을 더 낫게 봅니다</translation>
    </message>
</context>
<context>
    <name>lathe::ui::ServePanel</name>
    <message>
        <source>Serve an OpenAI-compatible API</source>
        <translation>OpenAI 호환 API로 서비스</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>주소</translation>
    </message>
    <message>
        <source>127.0.0.1 serves this computer only. Any other address (0.0.0.0: every network) needs an API key.</source>
        <translation>127.0.0.1은 이 컴퓨터에서만 접속할 수 있습니다. 다른 주소(0.0.0.0: 모든 네트워크)에는 API 키가 필요합니다.</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>포트</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 키</translation>
    </message>
    <message>
        <source>Optional on 127.0.0.1</source>
        <translation>127.0.0.1에서는 선택 사항</translation>
    </message>
    <message>
        <source>Clients must send &apos;Authorization: Bearer KEY&apos;</source>
        <translation>클라이언트는 &apos;Authorization: Bearer KEY&apos; 헤더를 보내야 합니다</translation>
    </message>
    <message>
        <source>Try it:</source>
        <translation>사용해 보기:</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>복사</translation>
    </message>
    <message>
        <source>Copy the curl command</source>
        <translation>curl 명령 복사</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>요청</translation>
    </message>
    <message>
        <source>Stop serving</source>
        <translation>서비스 중지</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>시작하는 중…</translation>
    </message>
    <message>
        <source>Serve</source>
        <translation>서비스 시작</translation>
    </message>
    <message>
        <source>Serve the model bar&apos;s model and checkpoint at /v1/chat/completions, /v1/completions and /v1/models, as lathe-cli api does</source>
        <translation>모델 바의 모델과 체크포인트를 /v1/chat/completions, /v1/completions, /v1/models로 서비스합니다 (lathe-cli api와 같습니다)</translation>
    </message>
    <message>
        <source>Choose a model folder in the model bar first</source>
        <translation>먼저 모델 바에서 모델 폴더를 선택하세요</translation>
    </message>
    <message>
        <source>%1 can be reached from other computers: set an API key first, or use 127.0.0.1</source>
        <translation>%1은(는) 다른 컴퓨터에서 접속할 수 있습니다: 먼저 API 키를 설정하거나 127.0.0.1을 사용하세요</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>%1 불러오는 중…</translation>
    </message>
    <message>
        <source>Could not serve: %1</source>
        <translation>서비스할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Serving at %1 (%2)</source>
        <translation>%1에서 서비스 중 (%2)</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>멈춤</translation>
    </message>
</context>
<context>
    <name>lathe::ui::TrainForm</name>
    <message>
        <source>Tokenizer folder</source>
        <translation>토크나이저 폴더</translation>
    </message>
    <message>
        <source>A tokenizer to use instead of training one (e.g. the Data tab&apos;s tokenizer lab); empty = train on the datasets.</source>
        <translation>새로 학습하는 대신 쓸 토크나이저 (예: 데이터 탭의 토크나이저 실험실); 비우면 데이터셋으로 학습합니다.</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>단계</translation>
    </message>
    <message>
        <source>What the model learns: pre-training continues plain text, supervised fine-tuning (SFT) learns answers to prompts, reward modelling and DPO/KTO learn preferences between answers.</source>
        <translation>모델이 배우는 것: 사전 학습은 일반 텍스트를 이어 쓰고, 지도 미세 조정(SFT)은 프롬프트에 대한 답을, 보상 모델링과 DPO/KTO는 답 사이의 선호를 배웁니다.</translation>
    </message>
    <message>
        <source>Pre-training</source>
        <translation>사전 학습</translation>
    </message>
    <message>
        <source>Supervised fine-tuning</source>
        <translation>지도 미세 조정</translation>
    </message>
    <message>
        <source>Reward modelling</source>
        <translation>보상 모델링</translation>
    </message>
    <message>
        <source>DPO (preference)</source>
        <translation>DPO (선호 학습)</translation>
    </message>
    <message>
        <source>KTO (preference)</source>
        <translation>KTO (선호 학습)</translation>
    </message>
    <message>
        <source>PPO</source>
        <translation>PPO</translation>
    </message>
    <message>
        <source>Dataset folder</source>
        <translation>데이터셋 폴더</translation>
    </message>
    <message>
        <source>The folder holding dataset_info.json (LLaMA-Factory&apos;s registry of datasets).</source>
        <translation>dataset_info.json(LLaMA-Factory의 데이터셋 목록)이 있는 폴더.</translation>
    </message>
    <message>
        <source>Datasets</source>
        <translation>데이터셋</translation>
    </message>
    <message>
        <source>Datasets to train on, from dataset_info.json; only those that fit the stage are listed. Tick several to mix them (in the order ticked).</source>
        <translation>dataset_info.json에서 학습할 데이터셋. 단계에 맞는 것만 나열됩니다. 여러 개를 체크하면 체크한 순서대로 섞어 씁니다.</translation>
    </message>
    <message>
        <source>Assistant name</source>
        <translation>어시스턴트 이름</translation>
    </message>
    <message>
        <source>Fills {{name}} in datasets such as the identity set: the name the model will answer with.</source>
        <translation>identity 같은 데이터셋의 {{name}}을 채웁니다. 모델이 대답할 이름입니다.</translation>
    </message>
    <message>
        <source>Assistant author</source>
        <translation>어시스턴트 제작자</translation>
    </message>
    <message>
        <source>Fills {{author}} in datasets such as the identity set.</source>
        <translation>identity 같은 데이터셋의 {{author}}를 채웁니다.</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>학습률</translation>
    </message>
    <message>
        <source>Peak step size of AdamW. Typical: 5e-5 for full fine-tuning, 1e-4 to 2e-4 for LoRA, 1e-3 for a tiny model from scratch.</source>
        <translation>AdamW의 최대 스텝 크기. 보통 전체 미세 조정은 5e-5, LoRA는 1e-4~2e-4, 처음부터 만드는 작은 모델은 1e-3.</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>에폭</translation>
    </message>
    <message>
        <source>Passes over the training set (fractions allowed). Ignored when Max steps is set.</source>
        <translation>학습 세트를 몇 번 훑을지(소수 가능). 최대 스텝을 정하면 무시됩니다.</translation>
    </message>
    <message>
        <source>Max steps</source>
        <translation>최대 스텝</translation>
    </message>
    <message>
        <source>Optimizer steps to run; overrides Epochs when above 0 (-1 = use Epochs).</source>
        <translation>실행할 옵티마이저 스텝 수. 0보다 크면 에폭 대신 씁니다 (-1 = 에폭 사용).</translation>
    </message>
    <message>
        <source>Max samples</source>
        <translation>최대 샘플</translation>
    </message>
    <message>
        <source>Use at most this many records of each dataset (0 = all). Handy for a quick trial run.</source>
        <translation>데이터셋마다 최대 이만큼의 레코드만 씁니다 (0 = 전부). 빠른 시험 실행에 편리합니다.</translation>
    </message>
    <message>
        <source>Cutoff length</source>
        <translation>최대 길이</translation>
    </message>
    <message>
        <source>Longest sequence in tokens; longer records are truncated (prompt and answer in proportion).</source>
        <translation>토큰 단위 최대 시퀀스 길이. 더 긴 레코드는 프롬프트와 답을 비율대로 자릅니다.</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>배치 크기</translation>
    </message>
    <message>
        <source>Sequences per forward pass. Larger needs more memory.</source>
        <translation>순전파 한 번의 시퀀스 수. 클수록 메모리가 더 필요합니다.</translation>
    </message>
    <message>
        <source>Gradient accumulation</source>
        <translation>그래디언트 누적</translation>
    </message>
    <message>
        <source>Forward passes summed into one optimizer step: effective batch = batch size x this.</source>
        <translation>옵티마이저 스텝 하나에 합치는 순전파 수. 실제 배치 = 배치 크기 x 이 값.</translation>
    </message>
    <message>
        <source>LR schedule</source>
        <translation>학습률 스케줄</translation>
    </message>
    <message>
        <source>How the learning rate changes over the run (after warm-up).</source>
        <translation>워밍업 뒤 학습률이 바뀌는 방식.</translation>
    </message>
    <message>
        <source>cosine</source>
        <translation>코사인</translation>
    </message>
    <message>
        <source>linear</source>
        <translation>선형</translation>
    </message>
    <message>
        <source>constant</source>
        <translation>일정</translation>
    </message>
    <message>
        <source>constant with warm-up</source>
        <translation>워밍업 후 일정</translation>
    </message>
    <message>
        <source>cosine with floor</source>
        <translation>하한 있는 코사인</translation>
    </message>
    <message>
        <source>Validation size</source>
        <translation>검증 크기</translation>
    </message>
    <message>
        <source>Records held out for evaluation: below 1 a fraction, from 1 a count (0 = none).</source>
        <translation>평가용으로 떼어 둘 레코드. 1 미만이면 비율, 1 이상이면 개수 (0 = 없음).</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>출력 폴더</translation>
    </message>
    <message>
        <source>Where the run writes its logs, checkpoints and the result. Defaults to saves/&lt;model&gt;/&lt;method&gt;/&lt;date-time&gt;.</source>
        <translation>실행이 로그, 체크포인트, 결과를 쓰는 곳. 기본값은 saves/&lt;모델&gt;/&lt;방법&gt;/&lt;날짜-시각&gt;.</translation>
    </message>
    <message>
        <source>Evaluation datasets</source>
        <translation>평가 데이터셋</translation>
    </message>
    <message>
        <source>Comma-separated dataset names used only for evaluation.</source>
        <translation>평가에만 쓰는 데이터셋 이름(쉼표로 구분).</translation>
    </message>
    <message>
        <source>Packing</source>
        <translation>패킹</translation>
    </message>
    <message>
        <source>Concatenate records into full cutoff-length rows (always on for pre-training).</source>
        <translation>레코드를 이어 붙여 최대 길이를 꽉 채웁니다 (사전 학습에서는 항상 켜짐).</translation>
    </message>
    <message>
        <source>Train on prompt</source>
        <translation>프롬프트도 학습</translation>
    </message>
    <message>
        <source>Also learn the prompt tokens, not only the answers.</source>
        <translation>답뿐 아니라 프롬프트 토큰도 학습합니다.</translation>
    </message>
    <message>
        <source>Mask history</source>
        <translation>이전 대화 가리기</translation>
    </message>
    <message>
        <source>Learn only the last answer of multi-turn records.</source>
        <translation>여러 턴 레코드에서 마지막 답만 학습합니다.</translation>
    </message>
    <message>
        <source>Enable thinking</source>
        <translation>생각 켜기</translation>
    </message>
    <message>
        <source>Reasoning templates (deepseekr1, qwen3): an answer without a &lt;think&gt; thought learns an empty one; off, thoughts are removed and the model learns to answer at once.</source>
        <translation>추론 템플릿(deepseekr1, qwen3): &lt;think&gt; 생각이 없는 답은 빈 생각을 함께 학습합니다. 끄면 생각을 지우고 바로 답하도록 학습합니다.</translation>
    </message>
    <message>
        <source>Skip invalid records</source>
        <translation>잘못된 레코드 건너뛰기</translation>
    </message>
    <message>
        <source>Skip malformed records (they are counted and reported) instead of stopping.</source>
        <translation>형식이 잘못된 레코드에서 멈추지 않고 건너뜁니다 (개수와 이유를 보고).</translation>
    </message>
    <message>
        <source>Overwrite output folder</source>
        <translation>출력 폴더 덮어쓰기</translation>
    </message>
    <message>
        <source>Replace a previous run in the output folder (its checkpoints and logs are removed).</source>
        <translation>출력 폴더의 이전 실행을 바꿉니다 (그 체크포인트와 로그는 지워짐).</translation>
    </message>
    <message>
        <source>Resume from checkpoint</source>
        <translation>체크포인트에서 이어 하기</translation>
    </message>
    <message>
        <source>A checkpoint folder to continue from, or &quot;auto&quot; for the latest one in the output folder.</source>
        <translation>이어서 학습할 체크포인트 폴더, 또는 출력 폴더의 최신 것을 쓰려면 &quot;auto&quot;.</translation>
    </message>
    <message>
        <source>Logging steps</source>
        <translation>기록 간격</translation>
    </message>
    <message>
        <source>Log the loss every this many optimizer steps.</source>
        <translation>이 스텝 수마다 손실을 기록합니다.</translation>
    </message>
    <message>
        <source>Save steps</source>
        <translation>저장 간격</translation>
    </message>
    <message>
        <source>Write a checkpoint every this many steps (0 = only at the end).</source>
        <translation>이 스텝 수마다 체크포인트를 씁니다 (0 = 끝에서만).</translation>
    </message>
    <message>
        <source>Checkpoints kept</source>
        <translation>보관할 체크포인트</translation>
    </message>
    <message>
        <source>Keep only the newest N checkpoints (0 = keep all).</source>
        <translation>가장 최근 체크포인트 N개만 남깁니다 (0 = 모두 보관).</translation>
    </message>
    <message>
        <source>Evaluation steps</source>
        <translation>평가 간격</translation>
    </message>
    <message>
        <source>Evaluate every this many steps when there is evaluation data (0 = at the end only).</source>
        <translation>평가 데이터가 있으면 이 스텝 수마다 평가합니다 (0 = 끝에서만).</translation>
    </message>
    <message>
        <source>Evaluation batch size</source>
        <translation>평가 배치 크기</translation>
    </message>
    <message>
        <source>Sequences per forward pass during evaluation.</source>
        <translation>평가할 때 순전파 한 번의 시퀀스 수.</translation>
    </message>
    <message>
        <source>Warm-up ratio</source>
        <translation>워밍업 비율</translation>
    </message>
    <message>
        <source>Fraction of the steps over which the learning rate rises from 0.</source>
        <translation>학습률이 0에서 올라가는 구간이 전체 스텝에서 차지하는 비율.</translation>
    </message>
    <message>
        <source>Warm-up steps</source>
        <translation>워밍업 스텝</translation>
    </message>
    <message>
        <source>Warm-up in steps; overrides the ratio when above 0.</source>
        <translation>스텝 단위 워밍업. 0보다 크면 비율 대신 씁니다.</translation>
    </message>
    <message>
        <source>Minimum LR rate</source>
        <translation>최소 학습률 비율</translation>
    </message>
    <message>
        <source>For &quot;cosine with floor&quot;: the lowest learning rate as a fraction of the peak.</source>
        <translation>&quot;하한 있는 코사인&quot;에서 최저 학습률(최대값에 대한 비율).</translation>
    </message>
    <message>
        <source>Weight decay</source>
        <translation>가중치 감쇠</translation>
    </message>
    <message>
        <source>AdamW&apos;s decoupled weight decay.</source>
        <translation>AdamW의 분리된 가중치 감쇠.</translation>
    </message>
    <message>
        <source>Adam beta1</source>
        <translation>Adam beta1</translation>
    </message>
    <message>
        <source>Decay of AdamW&apos;s first moment (0.9).</source>
        <translation>AdamW 1차 모멘트의 감쇠 (0.9).</translation>
    </message>
    <message>
        <source>Adam beta2</source>
        <translation>Adam beta2</translation>
    </message>
    <message>
        <source>Decay of AdamW&apos;s second moment (0.999).</source>
        <translation>AdamW 2차 모멘트의 감쇠 (0.999).</translation>
    </message>
    <message>
        <source>Adam epsilon</source>
        <translation>Adam epsilon</translation>
    </message>
    <message>
        <source>AdamW&apos;s denominator guard (1e-8).</source>
        <translation>AdamW 분모 보호값 (1e-8).</translation>
    </message>
    <message>
        <source>Max gradient norm</source>
        <translation>최대 그래디언트 노름</translation>
    </message>
    <message>
        <source>Clip the gradient to this norm (0 = no clipping).</source>
        <translation>그래디언트를 이 노름으로 자릅니다 (0 = 자르지 않음).</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>시드</translation>
    </message>
    <message>
        <source>Seeds data order, initialisation and dropout: the same seed repeats a run.</source>
        <translation>데이터 순서, 초기화, 드롭아웃의 시드. 같은 시드면 같은 실행이 재현됩니다.</translation>
    </message>
    <message>
        <source>NEFTune alpha</source>
        <translation>NEFTune 알파</translation>
    </message>
    <message>
        <source>Processes</source>
        <translation>프로세스 수</translation>
    </message>
    <message>
        <source>Data-parallel training in this many processes on this machine (torch.distributed, Gloo): each trains on its share of every batch, so the global batch is processes x batch size x accumulation. CPU threads are shared out among them.</source>
        <translation>이 컴퓨터에서 이 수만큼의 프로세스로 데이터 병렬 학습을 합니다(torch.distributed, Gloo). 각 프로세스가 배치의 자기 몫을 학습하므로 전체 배치는 프로세스 수 x 배치 크기 x 누적 단계입니다. CPU 스레드는 프로세스들이 나누어 씁니다.</translation>
    </message>
    <message>
        <source>ZeRO stage</source>
        <translation>ZeRO 단계</translation>
    </message>
    <message>
        <source>With several processes: 1 gives each process the optimizer state of its share of the weights only (about 1/N of that memory); 0 keeps it whole in every process.</source>
        <translation>여러 프로세스로 학습할 때: 1이면 각 프로세스가 자기 몫의 가중치에 대한 옵티마이저 상태만 가집니다(그 메모리의 약 1/N). 0이면 모든 프로세스가 전체를 가집니다.</translation>
    </message>
    <message>
        <source>Process timeout (s)</source>
        <translation>프로세스 제한 시간(초)</translation>
    </message>
    <message>
        <source>Multi-process runs (lathe-cli train --nproc-per-node): seconds a process waits for the others before the run fails.</source>
        <translation>다중 프로세스 학습(lathe-cli train --nproc-per-node): 한 프로세스가 다른 프로세스를 기다리는 시간(초). 넘으면 실행이 실패합니다.</translation>
    </message>
    <message>
        <source>Gradient bucket (MB)</source>
        <translation>그래디언트 버킷(MB)</translation>
    </message>
    <message>
        <source>With several processes: gradients are summed across them in buckets of this size, each starting as soon as the backward pass has finished its part (0 = one tensor per bucket).</source>
        <translation>여러 프로세스로 학습할 때: 그래디언트를 이 크기의 버킷 단위로 프로세스 간에 합산합니다. 역전파가 해당 부분을 끝내는 즉시 각 버킷의 합산이 시작됩니다(0 = 텐서마다 버킷 하나).</translation>
    </message>
    <message>
        <source>Machines</source>
        <translation>머신 수</translation>
    </message>
    <message>
        <source>Machines (nodes) in the run, each starting Processes of its own: start the run on every machine with its own machine rank and the same address and port.</source>
        <translation>실행에 참여하는 머신(노드) 수. 머신마다 자기 프로세스 수만큼 시작합니다: 모든 머신에서 각자의 머신 순위와 같은 주소·포트로 실행을 시작하세요.</translation>
    </message>
    <message>
        <source>Machine rank</source>
        <translation>머신 순위</translation>
    </message>
    <message>
        <source>This machine&apos;s place in the run: 0 on the machine that serves the meeting (and writes logs and checkpoints), then 1, 2, ...</source>
        <translation>이 머신의 순서: 만남 지점을 열고 로그와 체크포인트를 쓰는 머신이 0, 나머지는 1, 2, ...</translation>
    </message>
    <message>
        <source>Meeting address</source>
        <translation>만남 주소</translation>
    </message>
    <message>
        <source>Address of machine 0, which every process reaches (MASTER_ADDR). Empty = this machine, for a run on one machine.</source>
        <translation>모든 프로세스가 접속하는 0번 머신의 주소(MASTER_ADDR). 비우면 이 머신(머신 한 대로 실행할 때).</translation>
    </message>
    <message>
        <source>Meeting port</source>
        <translation>만남 포트</translation>
    </message>
    <message>
        <source>TCP port on machine 0 (MASTER_PORT). 0 = a free port on one machine, 29500 with several.</source>
        <translation>0번 머신의 TCP 포트(MASTER_PORT). 0 = 머신 한 대면 빈 포트, 여러 대면 29500.</translation>
    </message>
    <message>
        <source>MoE balance loss</source>
        <translation>MoE 균형 손실</translation>
    </message>
    <message>
        <source>Mixture-of-experts models: weight of the router&apos;s load-balancing loss (0 = off; 0.001 is typical).</source>
        <translation>전문가 혼합(MoE) 모델: 라우터의 부하 균형 손실에 곱하는 가중치 (0 = 끔, 보통 0.001).</translation>
    </message>
    <message>
        <source>Noise added to embeddings while fine-tuning (0 = off; 5 is typical).</source>
        <translation>미세 조정 중 임베딩에 더하는 잡음 (0 = 끔, 보통 5).</translation>
    </message>
    <message>
        <source>Gradient checkpointing</source>
        <translation>그래디언트 체크포인팅</translation>
    </message>
    <message>
        <source>Recompute activations in the backward pass: less memory, about a third slower.</source>
        <translation>역전파에서 활성값을 다시 계산합니다. 메모리는 줄고 속도는 약 3분의 1 느려집니다.</translation>
    </message>
    <message>
        <source>bf16</source>
        <translation>bf16</translation>
    </message>
    <message>
        <source>fp16</source>
        <translation>fp16</translation>
    </message>
    <message>
        <source>Compute in float16 (GPUs).</source>
        <translation>float16으로 계산합니다 (GPU).</translation>
    </message>
    <message>
        <source>Train</source>
        <translation>학습</translation>
    </message>
    <message>
        <source>Run training (LLaMA-Factory&apos;s do_train); off, the run only evaluates or predicts (do_eval, do_predict).</source>
        <translation>학습을 실행합니다 (LLaMA-Factory의 do_train). 끄면 평가나 예측만 합니다 (do_eval, do_predict).</translation>
    </message>
    <message>
        <source>LoRA rank</source>
        <translation>LoRA 랭크</translation>
    </message>
    <message>
        <source>Rank r of the low-rank update: larger learns more and costs more memory.</source>
        <translation>저랭크 업데이트의 랭크 r. 클수록 더 많이 배우고 메모리를 더 씁니다.</translation>
    </message>
    <message>
        <source>LoRA alpha</source>
        <translation>LoRA 알파</translation>
    </message>
    <message>
        <source>Scale of the update (alpha / r). 0 = twice the rank.</source>
        <translation>업데이트의 배율 (alpha / r). 0 = 랭크의 두 배.</translation>
    </message>
    <message>
        <source>LoRA dropout</source>
        <translation>LoRA 드롭아웃</translation>
    </message>
    <message>
        <source>Dropout on the LoRA input, in [0, 1).</source>
        <translation>LoRA 입력의 드롭아웃, [0, 1) 범위.</translation>
    </message>
    <message>
        <source>LoRA targets</source>
        <translation>LoRA 대상</translation>
    </message>
    <message>
        <source>Comma-separated module names to adapt (q_proj, v_proj, ...), or &quot;all&quot; for every linear layer.</source>
        <translation>적용할 모듈 이름(쉼표로 구분: q_proj, v_proj, ...), 모든 선형 층이면 &quot;all&quot;.</translation>
    </message>
    <message>
        <source>Additional targets</source>
        <translation>추가 대상</translation>
    </message>
    <message>
        <source>Modules trained fully beside LoRA and saved with it, e.g. embed_tokens,lm_head.</source>
        <translation>LoRA와 함께 전체 학습하고 같이 저장할 모듈, 예: embed_tokens,lm_head.</translation>
    </message>
    <message>
        <source>DoRA</source>
        <translation>DoRA</translation>
    </message>
    <message>
        <source>Weight-decomposed LoRA: learns magnitude and direction.</source>
        <translation>가중치 분해 LoRA: 크기와 방향을 따로 배웁니다.</translation>
    </message>
    <message>
        <source>rsLoRA</source>
        <translation>rsLoRA</translation>
    </message>
    <message>
        <source>Scale by alpha / sqrt(r): steadier at high ranks.</source>
        <translation>alpha / sqrt(r)로 배율을 정합니다. 높은 랭크에서 더 안정적입니다.</translation>
    </message>
    <message>
        <source>Trainable layers</source>
        <translation>학습할 층</translation>
    </message>
    <message>
        <source>Train the last N layers (or the first -N when negative); the rest stay frozen.</source>
        <translation>마지막 N개 층을 학습합니다 (음수면 처음 -N개). 나머지는 고정됩니다.</translation>
    </message>
    <message>
        <source>Trainable modules</source>
        <translation>학습할 모듈</translation>
    </message>
    <message>
        <source>Modules inside those layers to train (comma list, or &quot;all&quot;).</source>
        <translation>그 층들 안에서 학습할 모듈 (쉼표 목록 또는 &quot;all&quot;).</translation>
    </message>
    <message>
        <source>Extra modules</source>
        <translation>추가 모듈</translation>
    </message>
    <message>
        <source>Modules outside the layers to train as well, e.g. embed_tokens.</source>
        <translation>층 밖에서 함께 학습할 모듈, 예: embed_tokens.</translation>
    </message>
    <message>
        <source>Quantization type</source>
        <translation>양자화 형식</translation>
    </message>
    <message>
        <source>Data type of the 4-bit base weights (NF4).</source>
        <translation>4비트 기본 가중치의 데이터 형식 (NF4).</translation>
    </message>
    <message>
        <source>Double quantization</source>
        <translation>이중 양자화</translation>
    </message>
    <message>
        <source>Quantize the quantization scales too: saves about 0.4 bits per weight.</source>
        <translation>양자화 스케일도 양자화합니다. 가중치당 약 0.4비트를 아낍니다.</translation>
    </message>
    <message>
        <source>Beta</source>
        <translation>베타</translation>
    </message>
    <message>
        <source>How far the trained model may move from the reference (DPO&apos;s beta).</source>
        <translation>학습 모델이 기준 모델에서 얼마나 멀어질 수 있는지 (DPO의 beta).</translation>
    </message>
    <message>
        <source>Preference loss</source>
        <translation>선호 손실</translation>
    </message>
    <message>
        <source>The preference objective.</source>
        <translation>선호 학습의 목적 함수.</translation>
    </message>
    <message>
        <source>SFT loss weight</source>
        <translation>SFT 손실 가중치</translation>
    </message>
    <message>
        <source>Weight of an added supervised loss on the chosen answers (0 = off).</source>
        <translation>선택된 답에 더하는 지도 학습 손실의 가중치 (0 = 끔).</translation>
    </message>
    <message>
        <source>SimPO gamma</source>
        <translation>SimPO 감마</translation>
    </message>
    <message>
        <source>Target reward margin of SimPO.</source>
        <translation>SimPO의 목표 보상 차이.</translation>
    </message>
    <message>
        <source>Label smoothing</source>
        <translation>레이블 스무딩</translation>
    </message>
    <message>
        <source>Robust DPO: the assumed share of wrong preference labels, in [0, 0.5).</source>
        <translation>강건한 DPO: 잘못된 선호 레이블로 가정하는 비율, [0, 0.5) 범위.</translation>
    </message>
    <message>
        <source>Precompute reference</source>
        <translation>기준값 미리 계산</translation>
    </message>
    <message>
        <source>Compute the reference model&apos;s log-probabilities once before training (saves memory).</source>
        <translation>학습 전에 기준 모델의 로그 확률을 한 번 계산해 둡니다 (메모리 절약).</translation>
    </message>
    <message>
        <source>KTO desirable weight</source>
        <translation>KTO 바람직한 예 가중치</translation>
    </message>
    <message>
        <source>Loss weight of desirable examples in KTO.</source>
        <translation>KTO에서 바람직한 예의 손실 가중치.</translation>
    </message>
    <message>
        <source>KTO undesirable weight</source>
        <translation>KTO 바람직하지 않은 예 가중치</translation>
    </message>
    <message>
        <source>Loss weight of undesirable examples in KTO.</source>
        <translation>KTO에서 바람직하지 않은 예의 손실 가중치.</translation>
    </message>
    <message>
        <source>Tokenizer corpus</source>
        <translation>토크나이저 말뭉치</translation>
    </message>
    <message>
        <source>Extra pre-training datasets (comma list) whose text trains the new model&apos;s tokenizer.</source>
        <translation>새 모델의 토크나이저 학습에 텍스트를 더할 사전 학습 데이터셋 (쉼표 목록).</translation>
    </message>
    <message>
        <source>Vocabulary size</source>
        <translation>어휘 크기</translation>
    </message>
    <message>
        <source>Tokens in the new tokenizer (0 = the preset&apos;s).</source>
        <translation>새 토크나이저의 토큰 수 (0 = 프리셋 값).</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>장치</translation>
    </message>
    <message>
        <source>Where to train: auto picks a GPU when there is one.</source>
        <translation>학습할 장치. auto는 GPU가 있으면 GPU를 고릅니다.</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU 스레드</translation>
    </message>
    <message>
        <source>Threads for CPU work (0 = all cores).</source>
        <translation>CPU 작업에 쓸 스레드 수 (0 = 모든 코어).</translation>
    </message>
    <message>
        <source>Basic</source>
        <translation>기본</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>데이터</translation>
    </message>
    <message>
        <source>Output and logging</source>
        <translation>출력과 기록</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>옵티마이저</translation>
    </message>
    <message>
        <source>LoRA</source>
        <translation>LoRA</translation>
    </message>
    <message>
        <source>Freeze</source>
        <translation>동결</translation>
    </message>
    <message>
        <source>QLoRA</source>
        <translation>QLoRA</translation>
    </message>
    <message>
        <source>Preference</source>
        <translation>선호 학습</translation>
    </message>
    <message>
        <source>New model</source>
        <translation>새 모델</translation>
    </message>
    <message>
        <source>Engine</source>
        <translation>엔진</translation>
    </message>
    <message>
        <source>Choose a folder</source>
        <translation>폴더 선택</translation>
    </message>
    <message>
        <source>Preview records…</source>
        <translation>레코드 미리보기…</translation>
    </message>
    <message>
        <source>Page through the records as they will be trained: the template, the trained tokens highlighted, and the token counts</source>
        <translation>학습될 모습 그대로 레코드를 넘겨 봅니다: 템플릿, 강조된 학습 토큰, 토큰 수</translation>
    </message>
    <message>
        <source>Not available in this build yet</source>
        <translation>이 빌드에서는 아직 쓸 수 없습니다</translation>
    </message>
    <message>
        <source>Compute matrix products in bfloat16 and hold frozen weights in it: auto does where the processor (AVX512-BF16, AMX) or GPU (compute capability 8.0+) has bf16, which the model bar shows; on elsewhere is emulated and slow.</source>
        <translation>행렬 곱을 bfloat16으로 계산하고 고정된 가중치를 bfloat16으로 보관합니다. auto는 프로세서(AVX512-BF16, AMX)나 GPU(compute capability 8.0 이상)가 bf16을 지원할 때만 켜며, 모델 막대에 표시됩니다. 지원하지 않는 곳에서 켜면 에뮬레이션되어 느립니다.</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>자동</translation>
    </message>
    <message>
        <source>on</source>
        <translation>켬</translation>
    </message>
    <message>
        <source>off</source>
        <translation>끔</translation>
    </message>
    <message>
        <source>Pure bf16</source>
        <translation>순수 bf16</translation>
    </message>
    <message>
        <source>Every weight and the optimizer state in bfloat16, without a float32 copy: half the memory, but updates smaller than 1/256 of a weight round away.</source>
        <translation>모든 가중치와 옵티마이저 상태를 float32 사본 없이 bfloat16으로 둡니다. 메모리는 절반이지만 가중치의 1/256보다 작은 갱신은 반올림되어 사라집니다.</translation>
    </message>
</context>
<context>
    <name>lathe::ui::TrainTab</name>
    <message>
        <source>%1 has no trainer_log.jsonl</source>
        <translation>%1에 trainer_log.jsonl이 없습니다</translation>
    </message>
    <message>
        <source>Step %1 of %2 · elapsed %3 · remaining %4 · loss %5</source>
        <translation>스텝 %1/%2 · 경과 %3 · 남은 시간 %4 · 손실 %5</translation>
    </message>
    <message>
        <source>step %1: loss %2, lr %3, grad norm %4, %5 tokens/s</source>
        <translation>스텝 %1: 손실 %2, 학습률 %3, 그래디언트 노름 %4, 초당 %5 토큰</translation>
    </message>
    <message>
        <source>step %1: eval loss %2</source>
        <translation>스텝 %1: 평가 손실 %2</translation>
    </message>
    <message>
        <source>saved %1</source>
        <translation>저장함: %1</translation>
    </message>
    <message>
        <source>&lt;b&gt;Starter&lt;/b&gt; — no model yet? Lathe creates a tiny model from scratch, trains its tokenizer on the bundled corpus and teaches it its name with the bundled identity set. Press &lt;b&gt;Start&lt;/b&gt; (a few minutes on two CPU cores), then ask it in &lt;b&gt;Chat&lt;/b&gt;: “who are you?”</source>
        <translation>&lt;b&gt;스타터&lt;/b&gt; — 아직 모델이 없나요? Lathe가 작은 모델을 처음부터 만들고, 함께 제공되는 말뭉치로 토크나이저를 학습한 뒤, identity 데이터셋으로 자기 이름을 가르칩니다. &lt;b&gt;시작&lt;/b&gt;을 누르고(CPU 코어 2개로 몇 분) &lt;b&gt;대화&lt;/b&gt; 탭에서 “who are you?”라고 물어보세요</translation>
    </message>
    <message>
        <source>Assistant name</source>
        <translation>어시스턴트 이름</translation>
    </message>
    <message>
        <source>The name the new model will answer with</source>
        <translation>새 모델이 대답할 이름</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>시작</translation>
    </message>
    <message>
        <source>Start training (Ctrl+Return)</source>
        <translation>학습 시작 (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Abort</source>
        <translation>중단</translation>
    </message>
    <message>
        <source>Stop after the current optimizer step and keep a checkpoint (Esc)</source>
        <translation>현재 옵티마이저 스텝이 끝나면 멈추고 체크포인트를 남깁니다 (Esc)</translation>
    </message>
    <message>
        <source>Preview command</source>
        <translation>명령 미리보기</translation>
    </message>
    <message>
        <source>Show the lathe-cli command and YAML that run the same training</source>
        <translation>같은 학습을 실행하는 lathe-cli 명령과 YAML을 보여 줍니다</translation>
    </message>
    <message>
        <source>Save config…</source>
        <translation>설정 저장…</translation>
    </message>
    <message>
        <source>Save these settings as a YAML file that lathe-cli train reads</source>
        <translation>lathe-cli train이 읽는 YAML 파일로 설정을 저장합니다</translation>
    </message>
    <message>
        <source>Load config…</source>
        <translation>설정 불러오기…</translation>
    </message>
    <message>
        <source>Load settings from a YAML file (LLaMA-Factory keys)</source>
        <translation>YAML 파일(LLaMA-Factory 키)에서 설정을 불러옵니다</translation>
    </message>
    <message>
        <source>Compare runs</source>
        <translation>실행 비교</translation>
    </message>
    <message>
        <source>Overlay the loss curves of other runs</source>
        <translation>다른 실행의 손실 곡선을 겹쳐 그립니다</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>준비됨</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1을(를) 쓸 수 없습니다: %2</translation>
    </message>
    <message>
        <source>Fix the problems marked in red before starting.</source>
        <translation>시작하기 전에 빨간색으로 표시된 문제를 고치세요.</translation>
    </message>
    <message>
        <source>Preparing: reading datasets and the model…</source>
        <translation>준비 중: 데이터셋과 모델을 읽는 중…</translation>
    </message>
    <message>
        <source>output folder: %1</source>
        <translation>출력 폴더: %1</translation>
    </message>
    <message>
        <source>Stopping after the current step…</source>
        <translation>현재 스텝이 끝나면 멈춥니다…</translation>
    </message>
    <message>
        <source>Training finished: %1 steps in %2, mean loss %3. Output: %4</source>
        <translation>학습 완료: %2 동안 %1 스텝, 평균 손실 %3. 출력: %4</translation>
    </message>
    <message>
        <source>Training stopped at step %1 of %2. %3</source>
        <translation>학습이 스텝 %1/%2에서 멈췄습니다. %3</translation>
    </message>
    <message>
        <source>No checkpoint was written (no step had finished).</source>
        <translation>끝난 스텝이 없어 체크포인트를 쓰지 않았습니다.</translation>
    </message>
    <message>
        <source>Checkpoint kept: %1 — set “Resume from checkpoint” to auto to continue.</source>
        <translation>체크포인트를 남겼습니다: %1 — 이어 하려면 “체크포인트에서 이어 하기”를 auto로 두세요.</translation>
    </message>
    <message>
        <source>Training failed: %1</source>
        <translation>학습 실패: %1</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>끝남</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>완료</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>멈춤</translation>
    </message>
    <message>
        <source>The new model is in %1; it is now the model in the model bar.</source>
        <translation>새 모델이 %1에 있습니다. 이제 모델 막대의 모델로 선택되었습니다.</translation>
    </message>
    <message>
        <source>Showing %1 (%2 logged steps)</source>
        <translation>%1 표시 중 (기록된 스텝 %2개)</translation>
    </message>
    <message>
        <source>Other run folder…</source>
        <translation>다른 실행 폴더…</translation>
    </message>
    <message>
        <source>Choose a run folder</source>
        <translation>실행 폴더 선택</translation>
    </message>
    <message>
        <source>Clear comparison</source>
        <translation>비교 지우기</translation>
    </message>
    <message>
        <source>Save these settings as train.yaml (Save config…), then run:</source>
        <translation>설정을 train.yaml로 저장(설정 저장…)한 뒤 실행하세요:</translation>
    </message>
    <message>
        <source>The settings as saved in %1 (save again after changes), run with:</source>
        <translation>%1에 저장된 설정(바꾼 뒤에는 다시 저장)을 다음으로 실행합니다:</translation>
    </message>
    <message>
        <source>Save training config</source>
        <translation>학습 설정 저장</translation>
    </message>
    <message>
        <source>Load training config</source>
        <translation>학습 설정 불러오기</translation>
    </message>
    <message>
        <source>Estimated peak memory of training with these settings (stage, method, precision, cutoff, batch, gradient checkpointing):
%1</source>
        <translation>이 설정(단계, 방법, 정밀도, 최대 길이, 배치, 그래디언트 체크포인팅)으로 학습할 때 예상되는 최대 메모리:
%1</translation>
    </message>
    <message>
        <source>Available now: %1</source>
        <translation>지금 사용 가능: %1</translation>
    </message>
    <message>
        <source>Training ≈ %1</source>
        <translation>학습 ≈ %1</translation>
    </message>
    <message>
        <source>Training ≈ %1 x %2 processes</source>
        <translation>학습 ≈ %1 x 프로세스 %2개</translation>
    </message>
    <message>
        <source>Memory: %1. Press Start again to run anyway.</source>
        <translation>메모리: %1. 그래도 실행하려면 시작을 다시 누르세요.</translation>
    </message>
    <message>
        <source>Start waits for the settings marked in red: %1</source>
        <translation>빨간색으로 표시된 설정을 고쳐야 시작할 수 있습니다: %1</translation>
    </message>
    <message>
        <source>Showing %1 (1 logged step)</source>
        <translation>%1 표시 중 (기록된 스텝 1개)</translation>
    </message>
</context>
<context>
    <name>lathe::widgets::LossPlot</name>
    <message>
        <source>Save plot as PNG</source>
        <translation>그래프를 PNG로 저장</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 이미지 (*.png)</translation>
    </message>
    <message>
        <source>step</source>
        <translation>스텝</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>손실</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>학습률</translation>
    </message>
    <message>
        <source>%1: loss</source>
        <translation>%1: 손실</translation>
    </message>
    <message>
        <source>smoothed</source>
        <translation>평활</translation>
    </message>
    <message>
        <source>eval loss</source>
        <translation>평가 손실</translation>
    </message>
    <message>
        <source>Smoothing</source>
        <translation>평활화</translation>
    </message>
    <message>
        <source>Weight of the exponential moving average drawn over the raw loss (0 = off)</source>
        <translation>원래 손실 위에 그리는 지수 이동 평균의 가중치 (0 = 끔)</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>맞춤</translation>
    </message>
    <message>
        <source>Show all data again after zooming or panning (mouse wheel zooms, dragging pans)</source>
        <translation>확대나 이동 뒤 전체 데이터를 다시 보여 줍니다 (마우스 휠로 확대, 끌어서 이동)</translation>
    </message>
    <message>
        <source>Save PNG…</source>
        <translation>PNG 저장…</translation>
    </message>
    <message>
        <source>Save the plot as a PNG image</source>
        <translation>그래프를 PNG 이미지로 저장합니다</translation>
    </message>
</context>
<context>
    <name>lathe::widgets::PathListEdit</name>
    <message>
        <source>Add a folder</source>
        <translation>폴더 추가</translation>
    </message>
    <message>
        <source>Remove the selected folder</source>
        <translation>고른 폴더 빼기</translation>
    </message>
    <message>
        <source>Move up (used earlier)</source>
        <translation>위로 (먼저 사용)</translation>
    </message>
    <message>
        <source>Move down (used later)</source>
        <translation>아래로 (나중에 사용)</translation>
    </message>
    <message>
        <source>Other folder…</source>
        <translation>다른 폴더…</translation>
    </message>
    <message>
        <source>Choose a folder</source>
        <translation>폴더 선택</translation>
    </message>
</context>
</TS>
