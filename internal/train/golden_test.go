package train

import (
	"context"
	"testing"

	makemore "github.com/makemore/makemore"
	"github.com/makemore/makemore/internal/checkpoint"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/workdir"
)

// goldens are the data checksums (the checksum metadata of
// model.safetensors) of short runs on the bundled names, per kernel set:
// the sets differ in the last bits. Each run is what makemore train does
// with --max-steps 2000 --lr-decay-step 1000 --checkpoint-every 1000
// --eval-every 500 and the flags its name gives. Any change to what the program computes
// moves them; a change that does so must say why in its commit message and
// update them here.
var goldens = []struct {
	name string
	opts func(*Options)
	sums map[string]string // kernel set → checksum
}{
	{
		name: "lecture defaults",
		opts: func(*Options) {},
		sums: map[string]string{
			"avx2":     "sha256:07ef9a74fb5f52343893634459be65729a267df71c8ad1bf38c5e1c61bba6eea",
			"portable": "sha256:38105a2a252297c7d4ba506ecbb8e734e657bfb2148b506d1e80031770acbf91",
		},
	},
	{
		name: "batch 128, n-embd 24, n-hidden 512, max-steps 300, lr-decay-step 200",
		opts: func(o *Options) {
			o.MaxSteps, o.BatchSize, o.Model.Embd, o.Model.Hidden = 300, 128, 24, 512
			o.Schedule.DecayStep = 200
		},
		sums: map[string]string{
			"avx2":     "sha256:4dae93328f5736b07104ea9fab55a62abb8925957727517af70b92776be11d3a",
			"portable": "sha256:5aab4f752255fe2806ad820ddde29fab4e3da98bf55680f5f37ed92966295adb",
		},
	},
	{
		name: "block 8, seed 7",
		opts: func(o *Options) { o.Model.Block, o.Seed = 8, 7 },
		sums: map[string]string{
			"avx2":     "sha256:bf5aefffb53df0b371419e1285dc6b65ad61c3eed46848c17299b0caaad106cb",
			"portable": "sha256:9a2f0e73f60e30b20df156bb5df1115b81949d9bade7fe687610d630f1aaa174",
		},
	},
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
			opts := Options{
				WorkDir: t.TempDir(), Words: words, Pool: pool, MaxSteps: 2000,
				Model: model.Config{Block: 3, Embd: 10, Hidden: 200}, Seed: 42, BatchSize: 32,
				Schedule:        Schedule{LR: 0.1, DecayStep: 1000, DecayFactor: 0.1},
				CheckpointEvery: 1000, EvalEvery: 500,
			}
			g.opts(&opts)
			if _, err := Run(context.Background(), opts, &recorder{}); err != nil {
				t.Fatalf("%s, %s kernels: %v", g.name, set, err)
			}
			_, meta, err := checkpoint.Read(workdir.CheckpointPath(opts.WorkDir))
			if err != nil {
				t.Fatal(err)
			}
			want, ok := g.sums[set]
			if got := meta[checkpoint.ChecksumKey]; !ok || got != want {
				t.Errorf("%s, %s kernels: data checksum %s, golden %s", g.name, set, got, want)
			}
		}
		pool.Close()
	}
}
