//go:build k133

package main

import (
	pluginapi "k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1"
)

func allocErr(b []byte) *string {
	if err := (&pluginapi.ContainerAllocateResponse{}).Unmarshal(b); err != nil {
		s := err.Error()
		return &s
	}
	return nil
}
