import Foundation

/// RSA keys made once with openssl (test keys, never used anywhere else), with the fingerprints openssl
/// computed for them: `openssl pkey -in key.pem -pubout -outform DER | openssl dgst -sha256 -binary | base64`.
enum SnowflakeTestKeys {
    /// The key registered for the test user.
    static let userPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQDipNgzHwdUCxxu
        2neKVdFOf5QbIMCuO1vx9P3XJuLfYmRVenuhhaDLPg6OBkYejr9CtmlB8hmTSpNg
        yNyPzzMil0vJMqZilxFf5tHverAYdIt8pOP3vU3e8+r05ePp3cHrJs2zP+7Rkb9l
        JIceHqeWdZA848xLDg2HlVSYdiJOacqD7oHUTJ8e2Y1nAUqRUVkwcStpUNYakwcP
        xQXxCc5cG9LE4a3ASWMjLdCWKu9KSiY7rAW2KEggiU5n0c7HPQbUMF8TSrDMnqMA
        Fpis4gDUoY/+4IH/hMHNc1Rxybo21QvI5llKBXDPywuMS49L8fNKWOJkYzjGrGfX
        tO4dGea3AgMBAAECggEAMq5IBk529g0yA3vo5U9BabtPpC1TyOJPMjDlnnn8m5VF
        +HNWOA1Ioooy+QFgJq8nB8UAjpWTsIMpp6fi4mmj9qU8djZUTJGZegeEhHe77wwI
        sQuySpDTW/rRXIgXyhEjrvDTaLTwM37S/MwJRuv178hEQ8lwwovW7K2w6BLqovvL
        acnn5ovU3gm2KEneF2i49xnYqd3KIidYakU1DFzIBoxYs3ViFYQspL7tEbquKbJ1
        1B+hg9syHr0mUpDZnMq1dYXssKyxSdxj503YD3aQ2ggm89WB6a2XeabCjAEvwDAR
        dBUYlflI5UWdfDBuaIE8tp41SBAJPcj/FxVTjI5fyQKBgQDyAvbHhFApmJ+Uofw6
        qfUQbl2VUn9tgFMdannAsZIz8LUiQSDIWKQE4CSjRiYeBzM2NusDAu7UJF6gmlgz
        HNnFrcQRNXdSjCW2IryNrFWXCGHgsmMYSxIpmGnbD5SHQ+9iZK+bAiiTP1TcxliS
        P+SKUNdKyxFbPCZVMP8g8AwxIwKBgQDvvnxn8NuThRkuGcsuuxBTLCF12O/WsIxq
        HYS3+H7zXPK/Qu04tq+ngigm2vMfsFOLO6G7Gx1CaSXJY+kEx4l0HnNkgzpGgKgy
        75fbgAWw77WquOiRmXwqImBpPzSpacpdYjZ8r3zg8YZc28BRzhkXtsc0pyY02fvH
        Au+uSzkPXQKBgQDrTUZzponqZ6KA+R4sS6MiXqxOyu9qoCIvr57BY+Uq6xayP3CI
        WubedrAor8PP3mBEjhDh1LAxQ0teC7NFvv9d3B2OPdXORMVF2XBKrwxo1JWVytve
        et8l4jLJ8tQO0Fan7A1xQSACSslP/umPCOBEO2WYKuitNEZw/jqQ49R20QKBgQCd
        LQ82vcvW/U2y0apJqs5bGPWe42jqIbkM4OlgC4R/XJKxHdmUcwDaGxTj1GvMfLdo
        8uFnX7FhFrp1PBFK1t6gyE3yua39BuA+9KFkgJw6kg1SLgQbYLrsjLkUhyGpZ/gK
        HReHyy1d9DqYqmF9wFbnGyeit2ru/3J32M72P87a6QKBgQCGQWCmWFsm38acAO4b
        c0JjSTY1rtCbP/Wbwg0O49OxWW2ceBLfoLNEnvooU1RkF5++mzUtrRdYUzv/i1zk
        YwlMru5FnGgdWTvNqqi9W38Rg3GhVxMr2Ivrr+fxnekcu+x2YVEtApIGXhZjqwYU
        Ic0W/h+6Wm2siePA7gkKzS60ww==
        -----END PRIVATE KEY-----
        """
    static let userFingerprint = "SHA256:DNrxSPmshNbIoJA2xr0uHk0ULyldi5pbPAkYZQ4OVCA="

    /// A key nobody registered.
    static let strangerPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDCkgZ/bTxXIzVQ
        2LLkHRQdu/xrml1ifarxkFb3o/CtnTQ/mcfStRaknzVAFXcpu0Wm2Ymg0KAShjpr
        z4nG3qWAw3a8lQXHWY7Q+q99wCP0i7BaWJ5lrCbk7mWYAIwV86gkgZb5teB2nODM
        pana/nCu8kBtbfPE64QfWyhSbVj++s3GEJfvQ0OHc0uWuSzFaT7HGs3DZefEvNsj
        d5VsweKnZO9YHEYpieex/1byD2g0RFY6Tqa6x6z8AKuA/hRXoK2/jK0gGj0m8gFo
        E0Vf3Wct4VycINEQFds2/3Z8+pnYotWvLmy7UFyoM7FLeaVlQz/mT8GL1bFIAeaU
        /ZiteeehAgMBAAECggEABGVXgA1zFxRFpxC6x7FmHfr8U69nWcdVX2dZlicoI9mC
        67cPERY4G4Z47dyASn8rjmbAu6tL+wgpIax86Ds5c7OS0yVWJd4itkssH+YJb+vw
        I0XoV/tl/m8KCL9mKtSsN00t2LDeqCpgoDID2K2uBL9WlBxXXRsNs1ZIPqa/m4Tb
        qxawHGkEHDVXlmNsKGfGc7pQZuqXMGgjA0rAcSTLq6dQnJpVlE0iPSJUIpgXd9B5
        OTIZgqYmB7Mhu//v6SLEd/XDc8NwPgZj/i405BTRfR2mbDxHCKnJ3qwUZZFxgUNh
        PsxxOLFsCy3WW3ztGlL4GASdLtthk9bpxCa9dw4CAQKBgQDs5PCApgYL+qjCUxsA
        HgeSm7W1Lb3HvG+hsiVpd3xMgxNUO2ZSAdR9Yom9cYhwqHcTYO0p09BAFD0is8xd
        hntzN5HmGD+9EmTfrpl0NQWS/B6TiwsEG4JyNimPYQec7eDCL5hjF2dPm1FIAgmg
        il7zJ7zjOvSCpdJzLnYiu8+iAQKBgQDSQz3p2fa7MBr5QtaOwk+Xebg0TM3INl2L
        aGdLeyp8FMV8rM1ZhOaXiTCOf6lNnFWVVat5N7QGOcqUmyH2sIYPPaHDCH/Jxzud
        CpQO1KwQLd5Kdir4vwfAu7qfMlLbbQXh6T9Q3cojIvXHuU52HOYTSoIVlp2wM+lb
        AAs0K7sFoQKBgG4Vqamu/UpdzkSXiAmS6uP3VgZ+3h1OdPXIKliLfQi1NKtE+zSK
        wysNOoL9mnD36HXp6ewxESpl/U7+DK89imqtXTB2/k+nl5bWtVrqNM/sN21LBPCA
        tCrM/p0xcu87H+I9aexKeOjmfWwf/kdLZfpK8h0KTYvU8SozYhScAE4BAoGBAJ83
        8ftSZSbMP7C+7zA9bf3bWySngDB7Eo0NayLaSoqZRA6r3/hIzkCzz0Qo4bB2kMw7
        ilSJXNZWDtRHQQnIFEwYNJU2q2XFa5v4tbMhUoYR5cFnCBVCuwE0ZxZECkBEp26x
        rJN0z6uZvpoV9Zc1PPggtK7aVeBm/u888j74Wm/hAoGAU0CVrd1DPkKaX9wZs0hg
        Hbvaw1J3CPV55OJkInzjwmkJRZ8fRz4r6Re1MmE+mo6368UTSPYMDv4+/scmKYdP
        q77+KGvOS0yZTYpRfOMCamgn97ldgo0zChyX9VnRihdDD1tplHtelWpL9Ng22cs4
        QxFmHTRmftH5EsEBUaUV4iI=
        -----END PRIVATE KEY-----
        """
    static let strangerFingerprint = "SHA256:yVfDkBb85r+NPKeFm5qEtQRz+TLROGDNsTrRGpCzr+U="

    /// The user key as PKCS#1 (BEGIN RSA PRIVATE KEY), which the connector config does not promise but accepts.
    static let userPKCS1PEM = """
        -----BEGIN RSA PRIVATE KEY-----
        MIIEpQIBAAKCAQEA4qTYMx8HVAscbtp3ilXRTn+UGyDArjtb8fT91ybi32JkVXp7
        oYWgyz4OjgZGHo6/QrZpQfIZk0qTYMjcj88zIpdLyTKmYpcRX+bR73qwGHSLfKTj
        971N3vPq9OXj6d3B6ybNsz/u0ZG/ZSSHHh6nlnWQPOPMSw4Nh5VUmHYiTmnKg+6B
        1EyfHtmNZwFKkVFZMHEraVDWGpMHD8UF8QnOXBvSxOGtwEljIy3QlirvSkomO6wF
        tihIIIlOZ9HOxz0G1DBfE0qwzJ6jABaYrOIA1KGP/uCB/4TBzXNUccm6NtULyOZZ
        SgVwz8sLjEuPS/HzSljiZGM4xqxn17TuHRnmtwIDAQABAoIBADKuSAZOdvYNMgN7
        6OVPQWm7T6QtU8jiTzIw5Z55/JuVRfhzVjgNSKKKMvkBYCavJwfFAI6Vk7CDKaen
        4uJpo/alPHY2VEyRmXoHhIR3u+8MCLELskqQ01v60VyIF8oRI67w02i08DN+0vzM
        CUbr9e/IREPJcMKL1uytsOgS6qL7y2nJ5+aL1N4JtihJ3hdouPcZ2KndyiInWGpF
        NQxcyAaMWLN1YhWELKS+7RG6rimyddQfoYPbMh69JlKQ2ZzKtXWF7LCssUncY+dN
        2A92kNoIJvPVgemtl3mmwowBL8AwEXQVGJX5SOVFnXwwbmiBPLaeNUgQCT3I/xcV
        U4yOX8kCgYEA8gL2x4RQKZiflKH8Oqn1EG5dlVJ/bYBTHWp5wLGSM/C1IkEgyFik
        BOAko0YmHgczNjbrAwLu1CReoJpYMxzZxa3EETV3UowltiK8jaxVlwhh4LJjGEsS
        KZhp2w+Uh0PvYmSvmwIokz9U3MZYkj/kilDXSssRWzwmVTD/IPAMMSMCgYEA7758
        Z/Dbk4UZLhnLLrsQUywhddjv1rCMah2Et/h+81zyv0LtOLavp4IoJtrzH7BTizuh
        uxsdQmklyWPpBMeJdB5zZIM6RoCoMu+X24AFsO+1qrjokZl8KiJgaT80qWnKXWI2
        fK984PGGXNvAUc4ZF7bHNKcmNNn7xwLvrks5D10CgYEA601Gc6aJ6meigPkeLEuj
        Il6sTsrvaqAiL6+ewWPlKusWsj9wiFrm3nawKK/Dz95gRI4Q4dSwMUNLXguzRb7/
        Xdwdjj3VzkTFRdlwSq8MaNSVlcrb3nrfJeIyyfLUDtBWp+wNcUEgAkrJT/7pjwjg
        RDtlmCrorTRGcP46kOPUdtECgYEAnS0PNr3L1v1NstGqSarOWxj1nuNo6iG5DODp
        YAuEf1ySsR3ZlHMA2hsU49RrzHy3aPLhZ1+xYRa6dTwRStbeoMhN8rmt/QbgPvSh
        ZICcOpINUi4EG2C67Iy5FIchqWf4Ch0Xh8stXfQ6mKphfcBW5xsnordq7v9yd9jO
        9j/O2ukCgYEAhkFgplhbJt/GnADuG3NCY0k2Na7Qmz/1m8INDuPTsVltnHgS36Cz
        RJ76KFNUZBefvps1La0XWFM7/4tc5GMJTK7uRZxoHVk7zaqovVt/EYNxoVcTK9iL
        66/n8Z3pHLvsdmFRLQKSBl4WY6sGFCHNFv4fulptrInjwO4JCs0utMM=
        -----END RSA PRIVATE KEY-----
        """
}
