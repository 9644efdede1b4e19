// devckpt: glue around the vendored kubelet device manager checkpoint (no kubelet code here).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/kubernetes/pkg/kubelet/checkpointmanager"
	"k8s.io/kubernetes/pkg/kubelet/cm/devicemanager/checkpoint"
)

type in struct {
	ID         string                       `json:"id"`
	Op         string                       `json:"op"`
	Entries    []checkpoint.PodDevicesEntry `json:"entries"`
	Registered map[string][]string          `json:"registered"`
	File       *[]byte                      `json:"file"`
}

type out struct {
	ID         string                       `json:"id"`
	File       string                       `json:"file,omitempty"`
	Spew       string                       `json:"spew,omitempty"`
	Error      *string                      `json:"error"`
	Entries    []checkpoint.PodDevicesEntry `json:"entries,omitempty"`
	Registered map[string][]string          `json:"registered,omitempty"`
	Alloc      []*string                    `json:"alloc,omitempty"`
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<24), 1<<24)
	enc := json.NewEncoder(os.Stdout)
	for sc.Scan() {
		var c in
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			panic(err)
		}
		o := out{ID: c.ID}
		switch c.Op {
		case "marshal":
			cp := checkpoint.New(c.Entries, c.Registered)
			b, err := cp.MarshalCheckpoint()
			if err != nil {
				panic(err)
			}
			o.File = string(b)
			o.Spew = forHash(cp.(*checkpoint.Data).Data)
		case "read":
			dir, _ := os.MkdirTemp("", "devckpt")
			if c.File != nil {
				os.WriteFile(filepath.Join(dir, "kubelet_internal_checkpoint"), *c.File, 0o644)
			}
			m, err := checkpointmanager.NewCheckpointManager(dir)
			if err != nil {
				panic(err)
			}
			cp := checkpoint.New(make([]checkpoint.PodDevicesEntry, 0), make(map[string][]string))
			err = m.GetCheckpoint("kubelet_internal_checkpoint", cp)
			os.RemoveAll(dir)
			if err != nil {
				s := err.Error()
				o.Error = &s
			} else {
				o.Entries, o.Registered = cp.GetData()
				o.Spew = forHash(cp.(*checkpoint.Data).Data)
				for _, e := range o.Entries {
					o.Alloc = append(o.Alloc, allocErr(e.AllocResp))
				}
			}
		default:
			panic(fmt.Sprintf("op %q", c.Op))
		}
		if err := enc.Encode(o); err != nil {
			panic(err)
		}
	}
}
