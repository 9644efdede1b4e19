//go:build !k133 && !k134

package main

import (
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/kubelet/cm/containermap"
	cpustate "k8s.io/kubernetes/pkg/kubelet/cm/cpumanager/state"
	memstate "k8s.io/kubernetes/pkg/kubelet/cm/memorymanager/state"
)

func newCPUState(dir, name, policy string, m containermap.ContainerMap) (cpustate.State, error) {
	return cpustate.NewCheckpointState(klog.Background(), dir, name, policy, m)
}

func newMemoryState(dir, name, policy string) (memstate.State, error) {
	return memstate.NewCheckpointState(klog.Background(), dir, name, policy)
}
