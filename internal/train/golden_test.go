package train

import (
	"context"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	makemore "github.com/makemore/makemore"
	"github.com/makemore/makemore/internal/checkpoint"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/workdir"
)

// goldens are the data checksums (the checksum metadata of
// model.safetensors) of short runs on the bundled names, per platform and
// kernel set: the sets differ in the last bits, and so do builds where the
// compiler fuses Go's own multiply-adds (arm64, GOAMD64=v3 and up; arm64 also
// fuses a − b·c, which amd64 does not). A platform and set with no golden
// fail the test. Each run is what makemore train does with --max-steps 2000
// --lr-decay-step 1000 --checkpoint-every 1000 --eval-every 500 and the flags
// its name gives. Any change to what the program computes moves them; a change
// that does so must say why in its commit message and update them here.
var goldens = []struct {
	name  string
	short bool // run under -short too, as make test's emulated arm64 run does
	opts  func(*Options)
	sums  map[string]string // platform/kernel set → checksum
}{
	{
		name: "lecture defaults",
		opts: func(*Options) {},
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:07ef9a74fb5f52343893634459be65729a267df71c8ad1bf38c5e1c61bba6eea",
			"amd64.v1/portable": "sha256:38105a2a252297c7d4ba506ecbb8e734e657bfb2148b506d1e80031770acbf91",
			"amd64.v3/avx2":     "sha256:32b2fe7170e1392d7795351b65a035e9707831bea5057ddd3a0a3a2036205600",
			"amd64.v3/portable": "sha256:8aaa06268ab0aa62c19edd4c4b928ef4fc67e231bde126e24f44752a12a17fab",
			"arm64/neon":        "sha256:32b2fe7170e1392d7795351b65a035e9707831bea5057ddd3a0a3a2036205600",
			"arm64/portable":    "sha256:b3b2f5453a263c0fc79af2ade8beeaf9d7a847a59eb0c390924ec6450381e9e7",
		},
	},
	{
		name: "batch 128, n-embd 24, n-hidden 512, max-steps 300, lr-decay-step 200",
		opts: func(o *Options) {
			o.MaxSteps, o.BatchSize, o.Model.Embd, o.Model.Hidden = 300, 128, 24, 512
			o.Schedule.DecayStep = 200
		},
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:fd47ec1add36103eacb07ec5ea2274d7c622a870b312fbbe1ca769e85a0a232f",
			"amd64.v1/portable": "sha256:2290fce4552f1ad39d72fb006876dd08af68fa1f0aaf9895e7c8716ac8944486",
			"amd64.v3/avx2":     "sha256:9ebb81d5a2cd074e19d24d78f1d16cdf3cba49c3c738bedaee61bda165e31046",
			"amd64.v3/portable": "sha256:785a320376362fb65747b02a6e9daa6a40baee50807d913517a00280e70f3a27",
			"arm64/neon":        "sha256:9ebb81d5a2cd074e19d24d78f1d16cdf3cba49c3c738bedaee61bda165e31046",
			"arm64/portable":    "sha256:b10493b4836d17053c3677eafcbccf554573b328074001eb6e655156986f20ce",
		},
	},
	{
		name: "block 8, seed 7",
		opts: func(o *Options) { o.Model.Block, o.Seed = 8, 7 },
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:bf5aefffb53df0b371419e1285dc6b65ad61c3eed46848c17299b0caaad106cb",
			"amd64.v1/portable": "sha256:9a2f0e73f60e30b20df156bb5df1115b81949d9bade7fe687610d630f1aaa174",
			"amd64.v3/avx2":     "sha256:21488253f61df7fc6daa3ac10065adeb25201f64b441836bfb9f8f65b7e948f0",
			"amd64.v3/portable": "sha256:6e7ea01ecae6750d3499b7da8da3452bb3508b89ebc8328dcb0983e3b7714b14",
			"arm64/neon":        "sha256:21488253f61df7fc6daa3ac10065adeb25201f64b441836bfb9f8f65b7e948f0",
			"arm64/portable":    "sha256:25e1a6e717c20dedbdec7e32ddf9ad9a4e71d6711e8314f8a2752e24a484bcd8",
		},
	},
	// The other presets and activations, 200 steps on the first 1,000
	// names: over all of them, the portable kernels would take a minute.
	{
		name:  "part3, 1,000 names, max-steps 200, lr-decay-step 100",
		short: true,
		opts:  func(o *Options) { o.Words = firstWords(o.Words, 1000); part(o, "part3") },
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:b7399413c34cf68f97f1b0e7dfb40b7c3eb3363a4e8e0ffdc368135cb5c633c9",
			"amd64.v1/portable": "sha256:b8ce9cb09212f193ab549f6c29c9a2e8417e29d0f9798b4201087e0448c1e277",
			"amd64.v3/avx2":     "sha256:c57489356bb7a9cada8ef1cd4abb44c3d07875535ebb9d40ab4edcf837232b9e",
			"amd64.v3/portable": "sha256:44aa37c479cc4eeaf3a068a122c34d4c00f3e6684c27bba238c54ed502f1f995",
			"arm64/neon":        "sha256:c843f14515b3beac27082f8419edc305d6d5fc01c91d284cf8c646947571a07b",
			"arm64/portable":    "sha256:dcc1511f15b1e57aad2eca593fb32e0027bb32306fc906f70302b0c5c762f9fe",
		},
	},
	{
		name: "part5, 1,000 names, max-steps 200, lr-decay-step 100",
		opts: func(o *Options) { o.Words = firstWords(o.Words, 1000); part(o, "part5") },
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:abb56da16f6039bf9021d62a325a9d9fd29b7edd21498c3040896021837d4030",
			"amd64.v1/portable": "sha256:c6b60e7aa269360218d8bea2aaf299c424011bbfa195ddf96393baa8b4923e9e",
			"amd64.v3/avx2":     "sha256:2dfeb0e09573e9c1d9f075f1137f9d6e935fa370af375c8a7ad42efdd514747b",
			"amd64.v3/portable": "sha256:2e78dfffd2e2c213afb259332e9473bffc78aafcb4edd783200f3d9a76f1c15b",
			"arm64/neon":        "sha256:a2d40ac4ef745f80569c3dfb774294f80e66409c98dffaeb4ca1dcf9251aeadb",
			"arm64/portable":    "sha256:0b04abbd2028d29f3978628c23511a28ba03c394998fde19ead79d7534d13653",
		},
	},
	{
		name: "part5 with GELU, 1,000 names, max-steps 200, lr-decay-step 100",
		opts: func(o *Options) {
			o.Words = firstWords(o.Words, 1000)
			part(o, "part5")
			o.Model.Activation = model.ActGELU
		},
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:5bd54344e3c3f2de4d6088ac228760399e9bcdb3dc46120eef87a8c49a6b65f4",
			"amd64.v1/portable": "sha256:49f2ff74734c3cbaa7a1f27064c90775ed1c3507e7f7c57819f5938e65513939",
			"amd64.v3/avx2":     "sha256:b27c0b5c028d47ef20103eb9e6869d5cc3c60db782a2c0e3f9cc8e422c0988bc",
			"amd64.v3/portable": "sha256:65dd6f0156169214e0c426cc832997d4f9b35b13215c337685e99c680cac0edb",
			"arm64/neon":        "sha256:58d1e9905ad2046f61cabd559988bcc14d72423b7b57c88747c2ad1f9cd79879",
			"arm64/portable":    "sha256:40e0a04b602f108b7a510f6be85828c6b87328e2c82c92da7c1b83d80d48c704",
		},
	},
	{
		name: "n-layer 2, ReLU, 1,000 names, max-steps 200, lr-decay-step 100",
		opts: func(o *Options) {
			o.Words = firstWords(o.Words, 1000)
			o.Model.Layers, o.Model.Activation, o.MaxSteps, o.Schedule.DecayStep = 2, model.ActReLU, 200, 100
		},
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:e898f87f07eae5afa4559b95219a3847f3f97cfc36d9906d591f64b67344c312",
			"amd64.v1/portable": "sha256:cf6510bc972d690992d1d26e7079ea1955df0a7485b62b3523a82ce58a25a67c",
			"amd64.v3/avx2":     "sha256:e6b7ead00399e5bd281eae3a6464543332a7a6faf02ba7c4fa781f9a831a289d",
			"amd64.v3/portable": "sha256:09be7871b28847a859cb4a8789345951bfc5b586915db6c624982f360a22c3d2",
			"arm64/neon":        "sha256:524568586041b4ae29c810a9b12a60363bb8737092edac11056ebb2933d6837b",
			"arm64/portable":    "sha256:dc8fa94ad4f03c16dbe260fffc4ca34e90d0e4537cdac2a63bd622e5129ce84e",
		},
	},
	{
		name: "part3 without batchnorm, 1,000 names, max-steps 200, lr-decay-step 100",
		opts: func(o *Options) {
			o.Words = firstWords(o.Words, 1000)
			part(o, "part3")
			// As makemore train --preset part3 --batchnorm=false.
			o.Model.NoBN, o.Model.NoBias, o.Model.OutputBN, o.Model.Gain = true, false, false, 0
		},
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:a5745438a0b1c29fee5088e26ac9adaf4aa2baa43aa1cd7f8944db0cf2c75495",
			"amd64.v1/portable": "sha256:808a592f749c5e4ca3451508adebf93d204eca8b6ac863539ec06c0479f7cecd",
			"amd64.v3/avx2":     "sha256:a5745438a0b1c29fee5088e26ac9adaf4aa2baa43aa1cd7f8944db0cf2c75495",
			"amd64.v3/portable": "sha256:ea308f7b9300e8df66ec74f28837900fe4ccf49670f79be29246c4a8d38dcb41",
			"arm64/neon":        "sha256:a5745438a0b1c29fee5088e26ac9adaf4aa2baa43aa1cd7f8944db0cf2c75495",
			"arm64/portable":    "sha256:ff51611dfed1a0180b7913f48930c1cc9b8564ae748715e466a9c0174a595704",
		},
	},
	{
		name:  "transformer n-embd 16, n-head 2, n-layer 2, AdamW 1e-3 wd 0.1, cosine, 1,000 names, max-steps 200",
		short: true,
		opts: func(o *Options) {
			o.Words = firstWords(o.Words, 1000)
			o.Model = model.Config{Arch: model.ArchTransformer, Block: o.Words.MaxLen() + 1, Embd: 16, Heads: 2, Layers: 2}
			o.Optimizer = Optimizer{Name: AdamW, WeightDecay: 0.1}
			o.MaxSteps, o.CheckpointEvery, o.EvalEvery = 200, 100, 50
			o.Schedule = Schedule{LR: 1e-3, DecayStep: 200, DecayFactor: 1, CosineSteps: 200}
		},
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:b78d359b7fef912c90da3ae07ef7f7a2ece9705713a5b3de9669dc5fae4aa6e0",
			"amd64.v1/portable": "sha256:ada13297542832ff4c7c64df30185120e032c1874aa2f6d4646a1623306b7293",
			"amd64.v3/avx2":     "sha256:0d97c38225c34eba47a27e7a96ac2e14a6f68eee3d18954379c93dc3c6afd60e",
			"amd64.v3/portable": "sha256:25852cf056393657d7b59553f4fb2808bf3e25aae346dc3db70ef0f90dfd2c84",
			"arm64/neon":        "sha256:8cf39356436ac8b5f4ee5c15f721e9c6ab61a34662ddd44b85c847a03c74e0fc",
			"arm64/portable":    "sha256:6d2cd6ff17035983c25d9e04adee93f170a61a047ec495587af30a3215c32a34",
		},
	},
	{
		name: "rnn n-embd 16, n-hidden 12, makemore.py's AdamW, 1,000 names, max-steps 200",
		opts: func(o *Options) { makemorePyRun(o, model.ArchRNN) },
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:d53ee9304abd4663a2ddd52c8915dd70c0e12e47630c4cc2466cbb24c2674413",
			"amd64.v1/portable": "sha256:ab04308d348dbeae63b8bf13bba1bf941df85861402d42b1b7a31e3db117e5fc",
			"amd64.v3/avx2":     "sha256:d53ee9304abd4663a2ddd52c8915dd70c0e12e47630c4cc2466cbb24c2674413",
			"amd64.v3/portable": "sha256:7421f3c9266c750c80b3bcc4b627fe2dfe7e32956acf200ab7a4fec5b01a9f98",
			"arm64/neon":        "sha256:d53ee9304abd4663a2ddd52c8915dd70c0e12e47630c4cc2466cbb24c2674413",
			"arm64/portable":    "sha256:4521c3a9418cfbc7df57863b4885d13a1242fce8e60a3904249c08b9f592b8bf",
		},
	},
	{
		name: "gru n-embd 16, n-hidden 12, makemore.py's AdamW, 1,000 names, max-steps 200",
		opts: func(o *Options) { makemorePyRun(o, model.ArchGRU) },
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:a0fd8b187e5b4c1e4ba54958cd28dc78aef8f0d55207665edc25d33f73f5028f",
			"amd64.v1/portable": "sha256:236ee576f735d7c79783115c8ca89f5acd39400d10779a2377838ffe33e881a2",
			"amd64.v3/avx2":     "sha256:5e7c5a5d30e63d697298b47a7a895c2eb7d6dbf9ebdd503c19215f9fcd68b1bb",
			"amd64.v3/portable": "sha256:8381b5039bcbccd5f5e20a9b32105f030b584340fa963933f5c5d20332626a82",
			"arm64/neon":        "sha256:e31f411ec78c4534eebcc4e5a5830cb85a6157ecc0508a1930600feb72c89340",
			"arm64/portable":    "sha256:915806e0455c09e2d7786da363b00f654c5a05607a146564045dceebb313b880",
		},
	},
	{
		name:  "lstm n-embd 16, n-hidden 12, makemore.py's AdamW, 1,000 names, max-steps 200",
		short: true,
		opts:  func(o *Options) { makemorePyRun(o, model.ArchLSTM) },
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:5681b00cec95c2eeb177256bfbadfca29fabc26b9c46372a81934767dedcb870",
			"amd64.v1/portable": "sha256:6922780333b698a03c035ead7f915269a1c1f0a3ead007a07096be4356c0f639",
			"amd64.v3/avx2":     "sha256:fa4546ac3964eb6ced8b8568e88d0b3b47dc66485c7af5d6a963cde4a51b4313",
			"amd64.v3/portable": "sha256:726c006fd1f4482e7567e110c5fc24e5ab63578d5222b2121c4ffef179ed1f1e",
			"arm64/neon":        "sha256:69aac7d0e658206c12837e687820fa11d5be0f46c278d84a65ff77d40266f3e7",
			"arm64/portable":    "sha256:afb8fb2aa3032deb57cf5102a2d034ca0d18e8934c06c28d90a03f805c85a593",
		},
	},
	{
		name: "bow n-embd 16, n-hidden 12, makemore.py's AdamW, 1,000 names, max-steps 200",
		opts: func(o *Options) { makemorePyRun(o, model.ArchBoW) },
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:01c3836e6d5a6fe5f1c882caf1c560dcfd20aeab71b4e8ea6721bce4dae119cf",
			"amd64.v1/portable": "sha256:53547e882e52d1ec01b6048e2e6394cd7270e9fdc3c5ef28825acb47033c73df",
			"amd64.v3/avx2":     "sha256:304d27879f0796d9b548b68d597a409631cb825ba8a439e40f3daca4677270f2",
			"amd64.v3/portable": "sha256:be66503f89ffe535bb31d2a2c0e89b5b57823ba03d03fc23342491b050c02856",
			"arm64/neon":        "sha256:1950b63a4d3fe763812bc23496f74a6132cba4e5e743ae6a9c05187e07a48d88",
			"arm64/portable":    "sha256:43c8677646a6a8178e7a7b71fa434d0edaa7678c573901ff2af90264f2a380e0",
		},
	},
	{
		name: "bigram, makemore.py's AdamW, 1,000 names, max-steps 200",
		opts: func(o *Options) { makemorePyRun(o, model.ArchBigram) },
		sums: map[string]string{
			"amd64.v1/avx2":     "sha256:dba11fe627590c0e07fd22495742faf58d7f68dd38fd538de028afc81f36860a",
			"amd64.v1/portable": "sha256:c20a6463da1b0aa8f5ca9940920692a34e41dc12ed3f6de649578c6635fde86e",
			"amd64.v3/avx2":     "sha256:dba11fe627590c0e07fd22495742faf58d7f68dd38fd538de028afc81f36860a",
			"amd64.v3/portable": "sha256:c20a6463da1b0aa8f5ca9940920692a34e41dc12ed3f6de649578c6635fde86e",
			"arm64/neon":        "sha256:dba11fe627590c0e07fd22495742faf58d7f68dd38fd538de028afc81f36860a",
			"arm64/portable":    "sha256:c20a6463da1b0aa8f5ca9940920692a34e41dc12ed3f6de649578c6635fde86e",
		},
	},
}

// makemorePyRun sets o to makemore.py's model arch and training settings,
// shrunk to n-embd 16 and n-hidden 12 over the first 1,000 names for 200
// steps.
func makemorePyRun(o *Options, arch string) {
	p := MakemorePy[arch]
	o.Words = firstWords(o.Words, 1000)
	o.Model, o.BatchSize, o.Schedule, o.Optimizer = p.Model, p.BatchSize, p.Schedule, p.Optimizer
	o.Model.Block, o.Model.Embd, o.Model.Hidden = o.Words.MaxLen()+1, 16, 12
	o.MaxSteps, o.CheckpointEvery, o.EvalEvery = 200, 100, 50
}

// part sets o to preset name's model, shortened to 200 steps.
func part(o *Options, name string) {
	p := Presets[name]
	o.Model, o.BatchSize, o.Schedule = p.Model, p.BatchSize, p.Schedule
	o.MaxSteps, o.Schedule.DecayStep = 200, 100
}

// firstWords is the first n words of f, as a words file of their own.
func firstWords(f *data.File, n int) *data.File {
	words := make([]string, n)
	for i := range words {
		words[i] = f.Word(i)
	}
	w, err := data.Parse(f.Name, []byte(strings.Join(words, "\n")))
	if err != nil {
		panic(err)
	}
	return w
}

func TestGoldenChecksums(t *testing.T) {
	words, err := data.Parse("names.txt", makemore.Names)
	if err != nil {
		t.Fatal(err)
	}
	defer kernels.Use(kernels.Sets()[0])
	for _, set := range kernels.Sets() {
		if err := kernels.Use(set); err != nil {
			t.Fatal(err)
		}
		pool := kernels.NewPool(2)
		for _, g := range goldens {
			if testing.Short() && !g.short {
				continue
			}
			t.Run(set+"/"+g.name, func(t *testing.T) {
				opts := Options{
					WorkDir: t.TempDir(), Words: words, Pool: pool, MaxSteps: 2000,
					Model: model.Config{Block: 3, Embd: 10, Hidden: 200}, Seed: 42, BatchSize: 32,
					Schedule:        Schedule{LR: 0.1, DecayStep: 1000, DecayFactor: 0.1},
					CheckpointEvery: 1000, EvalEvery: 500,
				}
				g.opts(&opts)
				if _, err := Run(context.Background(), opts, &recorder{}); err != nil {
					t.Fatal(err)
				}
				_, meta, err := checkpoint.Read(workdir.CheckpointPath(opts.WorkDir))
				if err != nil {
					t.Fatal(err)
				}
				key, got := platform()+"/"+set, meta[checkpoint.ChecksumKey]
				if want, ok := g.sums[key]; !ok {
					t.Errorf("no golden for %s: this build gives %s", key, got)
				} else if got != want {
					t.Errorf("%s: data checksum %s, golden %s", key, got, want)
				}
			})
		}
		pool.Close()
	}
}

// platform names what the compiler may fuse: the architecture, and the
// instruction level the build targets (GOAMD64 on amd64: from v3 on, Go's own
// multiply-adds become FMAs). arm64 has FMADD at every level and always fuses,
// so its level (GOARM64) is left out.
func platform() string {
	p := runtime.GOARCH
	if p == "arm64" {
		return p
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "GO"+strings.ToUpper(runtime.GOARCH) {
				p += "." + s.Value
			}
		}
	}
	return p
}
